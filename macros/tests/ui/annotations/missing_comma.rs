omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Pet {
    #[omniface(length(1..=64) pattern("^[a-z]+$"))]
    pub name: String,
}

fn main() {}
