omniface::package!("Acme.Pets.V1");

#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
}

fn main() {}
