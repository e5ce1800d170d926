omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Pet {
    #[omniface(lenght(1..=64))]
    pub name: String,
}

fn main() {}
