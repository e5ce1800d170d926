#[omniface::service]
pub trait PetStore {
    async fn ping(&self, ctx: &omniface::Context) -> Result<(), omniface::Error>;
}

fn main() {}
