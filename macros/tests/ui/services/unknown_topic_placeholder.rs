omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
}

#[omniface::service]
pub trait PetStore {
    #[omniface(event, mqtt(topic = "store/pets/{pet}/sold", qos = 1))]
    fn pet_sold(&self, id: u64);
}

fn main() {}
