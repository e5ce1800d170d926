omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct PetId(pub u64);

fn main() {}
