//! The pet store implemented once: an in-memory catalogue. It names the service's types and trait
//! from the crate root, so it compiles unchanged against the code an `.idl` file generates
//! (`petstore-server`) and against the macros' (`petstore-macro`).

use super::*;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use omniface::{Context, Principal, ServerStream, StreamExt, Streaming, Timestamp};
use tokio::sync::broadcast;

/// The catalogue, its photos and the feed behind `watch_pets`.
pub struct Store {
    state: Mutex<State>,
    changes: broadcast::Sender<PetEvent>,
    events: PetStoreEvents,
}

#[derive(Default)]
struct State {
    next_id: u64,
    pets: BTreeMap<u64, Pet>,
    /// Idempotency key → the pet the first request created.
    created_by_key: HashMap<omniface::Uuid, u64>,
}

impl Store {
    /// A store and the events handle it publishes `pet_sold` on (give both to the server).
    pub fn new() -> (Store, PetStoreEvents) {
        let events = PetStoreEvents::default();
        let store = Store {
            state: Mutex::new(State {
                next_id: 1,
                ..State::default()
            }),
            changes: broadcast::channel(256).0,
            events: events.clone(),
        };
        (store, events)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn notify(&self, event: PetEvent) {
        // Nobody watching is fine.
        let _ = self.changes.send(event);
    }
}

fn pet_from_input(id: u64, input: PetInput, created_at: Timestamp) -> Pet {
    Pet {
        id,
        name: input.name,
        species: input.species,
        tag: input.tags.first().cloned(),
        status: input.status,
        price: input.price,
        tags: input.tags,
        photos: Vec::new(),
        created_at,
        updated_at: created_at,
    }
}

impl PetStore for Store {
    async fn list_pets(
        &self,
        _ctx: &Context,
        species: Option<Species>,
        tag: Option<String>,
        status: Option<PetStatus>,
        page_size: u32,
        page_token: Option<String>,
    ) -> Result<ListPetsResponse, omniface::Error> {
        // Keyset pagination: the token is the sort key of the last pet returned (its id, zero
        // padded), and a page holds the pets after it. Any token is a position, so none is refused.
        let sort_key = |pet: &Pet| format!("{:020}", pet.id);
        let state = self.state();
        let mut pets: Vec<Pet> = state
            .pets
            .values()
            .rev()
            .filter(|pet| page_token.as_ref().is_none_or(|token| sort_key(pet) < *token))
            .filter(|pet| species.is_none_or(|s| pet.species == s))
            .filter(|pet| status.is_none_or(|s| pet.status == s))
            .filter(|pet| tag.as_ref().is_none_or(|t| pet.tags.contains(t)))
            .take(page_size as usize + 1)
            .cloned()
            .collect();
        let next_page_token = if pets.len() > page_size as usize {
            pets.pop();
            pets.last().map(sort_key)
        } else {
            None
        };
        Ok(ListPetsResponse { pets, next_page_token })
    }

    async fn get_pet(&self, _ctx: &Context, id: u64) -> Result<Pet, GetPetError> {
        self.state().pets.get(&id).cloned().ok_or(PetNotFound { id }.into())
    }

    async fn create_pet(
        &self,
        _ctx: &Context,
        pet: PetInput,
        idempotency_key: omniface::Uuid,
    ) -> Result<Pet, CreatePetError> {
        let created = {
            let mut state = self.state();
            if let Some(existing) = state
                .created_by_key
                .get(&idempotency_key)
                .and_then(|id| state.pets.get(id))
            {
                return Ok(existing.clone());
            }
            if let Some(existing) = state
                .pets
                .values()
                .find(|p| p.name == pet.name && p.species == pet.species)
            {
                return Err(PetAlreadyExists {
                    existing_id: existing.id,
                }
                .into());
            }
            let id = state.next_id;
            state.next_id += 1;
            let created = pet_from_input(id, pet, Timestamp::now());
            state.pets.insert(id, created.clone());
            state.created_by_key.insert(idempotency_key, id);
            created
        };
        self.notify(PetEvent::Added(created.clone()));
        Ok(created)
    }

    async fn update_pet(&self, _ctx: &Context, id: u64, pet: PetInput) -> Result<Pet, UpdatePetError> {
        let (updated, changed_fields, sold) = {
            let mut state = self.state();
            let existing = state.pets.get_mut(&id).ok_or(PetNotFound { id })?;
            let mut changed = Vec::new();
            if existing.name != pet.name {
                changed.push("name".to_string());
            }
            if existing.species != pet.species {
                changed.push("species".to_string());
            }
            if existing.status != pet.status {
                changed.push("status".to_string());
            }
            if existing.price != pet.price {
                changed.push("price".to_string());
            }
            if existing.tags != pet.tags {
                changed.push("tags".to_string());
            }
            let sold = pet.status == PetStatus::Sold && existing.status != PetStatus::Sold;
            let mut updated = pet_from_input(id, pet, existing.created_at);
            updated.photos = std::mem::take(&mut existing.photos);
            updated.updated_at = Timestamp::now();
            *existing = updated.clone();
            (updated, changed, sold)
        };
        if sold {
            let price = updated.price.clone().unwrap_or(deps::acme_common_v1::Money {
                currency_code: "USD".into(),
                units: 0,
                nanos: 0,
            });
            self.events.pet_sold(id, price, updated.updated_at);
        }
        self.notify(PetEvent::Changed(PetChanged {
            pet: updated.clone(),
            changed_fields,
        }));
        Ok(updated)
    }

    async fn delete_pet(&self, _ctx: &Context, id: u64) -> Result<(), DeletePetError> {
        self.state().pets.remove(&id).ok_or(PetNotFound { id })?;
        self.notify(PetEvent::Removed(PetRemoved {
            id,
            removed_at: Timestamp::now(),
        }));
        Ok(())
    }

    async fn watch_pets(
        &self,
        _ctx: &Context,
        species: Option<Species>,
    ) -> Result<ServerStream<PetEvent>, omniface::Error> {
        let changes = self.changes.subscribe();
        let stream = omniface::stream::unfold(changes, move |mut changes| async move {
            loop {
                match changes.recv().await {
                    Ok(event)
                        if species.is_none_or(|s| {
                            event_species(&event) == Some(s) || matches!(event, PetEvent::Removed(_))
                        }) =>
                    {
                        return Some((Ok(event), changes));
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Ok(Box::pin(stream))
    }

    async fn upload_photo(&self, _ctx: &Context, mut chunks: Streaming<PhotoChunk>) -> Result<Photo, UploadPhotoError> {
        let first = chunks.next().await.ok_or_else(|| InvalidPhoto {
            reason: "the upload has no chunks".into(),
        })??;
        let content_type = first.content_type.clone().ok_or_else(|| InvalidPhoto {
            reason: "the first chunk must carry `content_type`".into(),
        })?;
        let mut size = first.data.len();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk?;
            if chunk.pet_id != first.pet_id {
                return Err(InvalidPhoto {
                    reason: "every chunk of one upload must name the same pet".into(),
                }
                .into());
            }
            size += chunk.data.len();
        }
        let photo = Photo {
            id: omniface::Uuid::new_v4(),
            pet_id: first.pet_id,
            url: format!("/photos/{}/{size}", first.pet_id),
            content_type,
            uploaded_at: Timestamp::now(),
        };
        let mut state = self.state();
        let pet = state
            .pets
            .get_mut(&first.pet_id)
            .ok_or(PetNotFound { id: first.pet_id })?;
        pet.photos.push(photo.clone());
        Ok(photo)
    }
}

fn event_species(event: &PetEvent) -> Option<Species> {
    match event {
        PetEvent::Added(pet) => Some(pet.species),
        PetEvent::Changed(change) => Some(change.pet.species),
        PetEvent::Removed(_) => None,
    }
}

/// Demo credentials: `admin-token` may do everything, `user-token` everything but deleting.
pub fn demo_authenticator() -> Arc<dyn omniface::Authenticator> {
    omniface::authenticator_fn(|credential| match credential {
        omniface::Credential::Bearer("admin-token") => Some(Principal {
            subject: "admin".into(),
            scopes: vec!["pets:admin".into()],
        }),
        omniface::Credential::Bearer("user-token") => Some(Principal {
            subject: "user".into(),
            scopes: vec![],
        }),
        _ => None,
    })
}
