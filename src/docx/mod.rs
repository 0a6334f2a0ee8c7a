//! Word documents (DOCX, which WPS and Word open) written with docx-rs: the district's
//! bulletins in the layout of a government bulletin. Pure, like `excel`: given plain values
//! (texts already worded by `domain::wording`, figures already computed by the KPI engine), it
//! returns the document's bytes; no HTTP, no SQL, and no figure is computed here.

pub mod bulletin;
