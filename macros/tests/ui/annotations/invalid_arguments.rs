omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Pet {
    #[omniface(length("x"))]
    pub name: String,
}

fn main() {}
