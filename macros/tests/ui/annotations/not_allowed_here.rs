omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
#[omniface(http_status(404))]
pub struct PetNotFound {
    pub id: u64,
}

fn main() {}
