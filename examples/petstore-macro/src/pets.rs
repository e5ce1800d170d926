//! The Acme pet store: a catalogue of pets for sale, their photos and their sales.
//!
//! Anyone may browse the catalogue; changing it needs a bearer token. The `#[http]` annotations
//! only choose nicer REST routes than the defaults: the service is served on every protocol.

omniface::package!("acme.pets.v1");

use omniface::{Bytes, Context, Error, ServerStream, Streaming, Timestamp, Uuid};

use crate::common::Money;

/// The kind of animal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, omniface::Model)]
pub enum Species {
    Dog,
    Cat,
    Bird,
    Fish,
    /// Any animal not listed above.
    Other = 100,
}

/// Where a pet is in the sales process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, omniface::Model)]
pub enum PetStatus {
    /// On display; it can be bought.
    Available,
    /// Reserved by a customer; the sale is not complete yet.
    Pending,
    /// Sold; the pet stays in the catalogue for the records.
    Sold,
}

/// A pet in the store's catalogue.
///
/// Field numbers are explicit because pets are stored as protobuf. Number 4, numbers 8 to 10 and
/// the name `nickname` belonged to fields that were removed.
#[derive(Clone, Debug, PartialEq, omniface::Model)]
#[omniface(reserved(4, 8..=10, "nickname"))]
pub struct Pet {
    /// The server-assigned id, unique in the store.
    #[omniface(number = 1)]
    pub id: u64,
    /// The name shown in the catalogue.
    #[omniface(number = 2, length(1..=64))]
    pub name: String,
    /// The kind of animal.
    #[omniface(number = 3)]
    pub species: Species,
    /// A single free-form label.
    #[omniface(number = 5, deprecated("Use `tags`: `tag` only holds the first tag."))]
    pub tag: Option<String>,
    /// Where the pet is in the sales process.
    #[omniface(number = 6, default = Available)]
    pub status: PetStatus,
    /// The asking price; absent while the pet is not priced yet.
    #[omniface(number = 7)]
    pub price: Option<Money>,
    /// Lower-case labels such as `puppy` or `hypoallergenic`.
    #[omniface(number = 11, items(..=20))]
    pub tags: Vec<String>,
    /// The pet's photos, in display order.
    #[omniface(number = 12)]
    pub photos: Vec<Photo>,
    /// When the pet was added to the catalogue.
    #[omniface(number = 13)]
    pub created_at: Timestamp,
    /// When the pet was last changed.
    #[omniface(number = 14)]
    pub updated_at: Timestamp,
}

/// The fields a client provides to create a pet or to replace one.
#[derive(Clone, Debug, PartialEq, omniface::Model)]
pub struct PetInput {
    /// The name shown in the catalogue.
    #[omniface(length(1..=64))]
    pub name: String,
    /// The kind of animal.
    pub species: Species,
    /// Lower-case labels such as `puppy` or `hypoallergenic`.
    #[omniface(items(..=20))]
    pub tags: Vec<String>,
    /// The asking price; leave it out while the pet is not priced yet.
    pub price: Option<Money>,
    /// Where the pet is in the sales process.
    #[omniface(default = Available)]
    pub status: PetStatus,
}

/// A photo of a pet.
#[derive(Clone, Debug, PartialEq, Default, omniface::Model)]
pub struct Photo {
    /// The photo's unique id.
    pub id: Uuid,
    /// The pet in the photo.
    pub pet_id: u64,
    /// Where the image can be downloaded.
    pub url: String,
    /// The image's media type, such as `image/jpeg`.
    pub content_type: String,
    /// When the photo was uploaded.
    pub uploaded_at: Timestamp,
}

/// One piece of a photo sent to `upload_photo`.
#[derive(Clone, Debug, PartialEq, Default, omniface::Model)]
pub struct PhotoChunk {
    /// The pet the photo belongs to; the same in every chunk of one upload.
    pub pet_id: u64,
    /// The image's media type; required in the first chunk and ignored in the others.
    #[omniface(pattern("^image/(jpeg|png|webp)$"))]
    pub content_type: Option<String>,
    /// The next bytes of the image, at most 1 MiB per chunk.
    #[omniface(length(1..=1048576))]
    pub data: Bytes,
}

/// One page of `list_pets` results.
#[derive(Clone, Debug, PartialEq, Default, omniface::Model)]
pub struct ListPetsResponse {
    /// The pets on this page, newest first.
    pub pets: Vec<Pet>,
    /// Pass this as `page_token` to get the next page; absent on the last page.
    pub next_page_token: Option<String>,
}

/// A pet whose details or status changed.
#[derive(Clone, Debug, PartialEq, omniface::Model)]
pub struct PetChanged {
    /// The pet as it is now.
    pub pet: Pet,
    /// The names of the fields that changed, such as `status`.
    pub changed_fields: Vec<String>,
}

/// A pet that was removed from the catalogue.
#[derive(Clone, Debug, PartialEq, Default, omniface::Model)]
pub struct PetRemoved {
    /// The id the pet had.
    pub id: u64,
    /// When the pet was removed.
    pub removed_at: Timestamp,
}

/// A change to the catalogue, as streamed by `watch_pets`.
///
/// Variant 3 was `Sold`; sales are now published by the `pet_sold` event.
#[derive(Clone, Debug, PartialEq, omniface::Model)]
#[omniface(reserved(3, "Sold"))]
pub enum PetEvent {
    /// A pet was added.
    Added(Pet),
    /// A pet's details or status changed.
    Changed(PetChanged),
    /// A pet was deleted.
    #[omniface(number = 4)]
    Removed(PetRemoved),
}

/// No pet has the given id.
#[derive(Clone, Debug, PartialEq, Default, omniface::Model)]
#[omniface(error, http_status(404))]
pub struct PetNotFound {
    /// The id that was looked up.
    pub id: u64,
}

/// A pet with the same name and species is already in the catalogue.
#[derive(Clone, Debug, PartialEq, Default, omniface::Model)]
#[omniface(error, http_status(409))]
pub struct PetAlreadyExists {
    /// The id of the pet already listed.
    pub existing_id: u64,
}

/// The uploaded data is not a supported image.
#[derive(Clone, Debug, PartialEq, Default, omniface::Model)]
#[omniface(error, http_status(422))]
pub struct InvalidPhoto {
    /// What is wrong with the image, for humans.
    pub reason: String,
}

/// The pet store's catalogue and sales.
///
/// Every method and event needs a bearer token, except the read-only methods marked
/// `#[auth(none)]`.
#[omniface::service(auth(bearer))]
pub trait PetStore {
    /// Lists the pets in the catalogue, newest first, optionally filtered.
    #[omniface(http(get, "/pets"), auth(none))]
    #[omniface(paginate)]
    async fn list_pets(
        &self,
        ctx: &Context,
        /// Only pets of this species.
        species: Option<Species>,
        /// Only pets carrying this tag.
        #[omniface(pattern("^[a-z0-9-]{1,32}$"))]
        tag: Option<String>,
        /// Only pets in this status.
        status: Option<PetStatus>,
        /// The maximum number of pets to return.
        #[omniface(range(1..=100), default = 20)]
        page_size: u32,
        /// The `next_page_token` of the previous page; absent for the first page.
        page_token: Option<String>,
    ) -> Result<ListPetsResponse, Error>;

    /// Fetches one pet.
    #[omniface(http(get, "/pets/{id}"), auth(none), throws(PetNotFound))]
    async fn get_pet(
        &self,
        ctx: &Context,
        /// The pet's id.
        id: u64,
    ) -> Result<Pet, GetPetError>;

    /// Adds a pet to the catalogue.
    #[omniface(http(post, "/pets"), idempotent, throws(PetAlreadyExists))]
    async fn create_pet(
        &self,
        ctx: &Context,
        /// The new pet.
        #[omniface(body)]
        pet: PetInput,
        /// A key chosen by the client; repeating a request with the same key returns the pet
        /// created by the first one instead of creating another.
        #[omniface(header("Idempotency-Key"))]
        idempotency_key: Uuid,
    ) -> Result<Pet, CreatePetError>;

    /// Replaces a pet's details.
    #[omniface(http(put, "/pets/{id}"), idempotent, throws(PetNotFound))]
    async fn update_pet(
        &self,
        ctx: &Context,
        /// The pet's id.
        id: u64,
        /// The pet's new details.
        #[omniface(body)]
        pet: PetInput,
    ) -> Result<Pet, UpdatePetError>;

    /// Removes a pet from the catalogue; only administrators may do this.
    #[omniface(http(delete, "/pets/{id}"), auth(bearer, scopes = ["pets:admin"]), throws(PetNotFound))]
    async fn delete_pet(
        &self,
        ctx: &Context,
        /// The pet's id.
        id: u64,
    ) -> Result<(), DeletePetError>;

    /// Streams changes to the catalogue as they happen, starting now.
    #[omniface(readonly, auth(none))]
    async fn watch_pets(
        &self,
        ctx: &Context,
        /// Only changes to pets of this species.
        species: Option<Species>,
    ) -> Result<ServerStream<PetEvent>, Error>;

    /// Uploads a photo of a pet in chunks and adds it to the pet's photos.
    #[omniface(throws(PetNotFound, InvalidPhoto))]
    async fn upload_photo(
        &self,
        ctx: &Context,
        /// The image, in order; the first chunk carries the media type.
        chunks: Streaming<PhotoChunk>,
    ) -> Result<Photo, UploadPhotoError>;

    /// Published when a pet's status becomes `Sold`.
    #[omniface(event, mqtt(topic = "store/pets/{id}/sold", qos = 1))]
    #[omniface(queue(routing_key = "pets.sold"))]
    fn pet_sold(
        &self,
        /// The id of the pet sold.
        id: u64,
        /// The price the pet was sold for.
        price: Money,
        /// When the sale was recorded.
        sold_at: Timestamp,
    );
}
