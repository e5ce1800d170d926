omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Pet {
    #[omniface(length(64..=1))]
    pub name: String,
}

fn main() {}
