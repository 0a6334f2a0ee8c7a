//! The schema migrations, one file per step.
