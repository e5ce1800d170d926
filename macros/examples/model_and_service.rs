//! A small valid model and service: the macros expand and the expansion compiles.

omniface::package!("acme.pets.v1");

use omniface::{Context, Error, ServerStream};

/// The kind of animal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, omniface::Model)]
pub enum Species {
    Dog,
    Cat,
}

/// A pet.
#[derive(Clone, Debug, PartialEq, omniface::Model)]
pub struct Pet {
    #[omniface(number = 1)]
    pub id: u64,
    #[omniface(number = 2, length(1..=64))]
    pub name: String,
    #[omniface(number = 3)]
    pub species: Species,
}

/// No pet has the given id.
#[derive(Clone, Debug, PartialEq, Default, omniface::Model)]
#[omniface(error, http_status(404))]
pub struct PetNotFound {
    pub id: u64,
}

/// The pet store.
#[omniface::service]
pub trait PetStore {
    /// Fetches one pet.
    #[omniface(http(get, "/pets/{id}"), throws(PetNotFound))]
    async fn get_pet(&self, ctx: &Context, id: u64) -> Result<Pet, GetPetError>;

    /// Streams the pets of one species.
    async fn watch_pets(&self, ctx: &Context, species: Species) -> Result<ServerStream<Pet>, Error>;

    /// Published when a pet is sold.
    #[omniface(event, mqtt(topic = "store/pets/{id}/sold", qos = 1))]
    fn pet_sold(&self, id: u64);
}

fn main() {
    let pet = Pet {
        id: 1,
        name: "Rex".to_string(),
        species: Species::Dog,
    };
    assert_eq!(pet.species, Species::Dog);
    let _ = PetNotFound { id: pet.id };
}
