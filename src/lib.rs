//! zhaoshang: the investment-promotion CRM of a district's task forces.

pub mod excel;
