omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Nothing;

fn main() {}
