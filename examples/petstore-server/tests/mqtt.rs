//! The pet store over MQTT 5 request/response, through a real mosquitto the test starts: every
//! unary method answers on the documented topic (`<package>/<Service>/<method>/req`, dots of the
//! package as levels) with the request's correlation data, the bearer token travels as the
//! `Authorization` user property, and declared errors come back named by the `error` property
//! with their fields as the payload.

use petstore_server::{PetStoreServer, Store, demo_authenticator};
use serde_json::json;

#[path = "../../test_brokers.rs"]
mod test_brokers;

#[path = "../../mqtt_peer.rs"]
mod mqtt_peer;

use mqtt_peer::Peer;
use test_brokers::Mosquitto;

const USER: &[(&str, &str)] = &[("Authorization", "Bearer user-token")];
const ADMIN: &[(&str, &str)] = &[("Authorization", "Bearer admin-token")];

fn topic(method: &str) -> String {
    format!("acme/pets/v1/PetStore/{method}/req")
}

#[tokio::test]
async fn every_unary_method_answers_mqtt_requests() {
    let mosquitto = Mosquitto::start();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (store, events) = Store::new();
    let server = omniface::Server::new()
        .authenticator(demo_authenticator())
        .mqtt(omniface::MqttConfig::from_url(&mosquitto.url("petstore")).unwrap())
        .service(PetStoreServer::with_events(store, events));
    tokio::spawn(server.serve_on(listener));
    let mut peer = Peer::connect(mosquitto.port, "clerk").await;
    // `list_pets` needs no token.
    peer.wait_for_server(&topic("list_pets"), json!({}), &[]).await;

    let input = json!({
        "name": "Rex", "species": "SPECIES_DOG", "tags": ["good"],
        "price": { "currencyCode": "EUR", "units": "120" },
    });
    let (anonymous, error) = peer
        .call(
            &topic("create_pet"),
            json!({ "pet": input, "idempotencyKey": "6b0c3c1e-5d1c-4c8e-9a43-1f1d2c3b4a60" }),
            &[],
        )
        .await;
    assert_eq!(error.as_deref(), Some("UNAUTHENTICATED"), "{anonymous}");

    let (created, error) = peer
        .call(
            &topic("create_pet"),
            json!({ "pet": input, "idempotencyKey": "6b0c3c1e-5d1c-4c8e-9a43-1f1d2c3b4a60" }),
            USER,
        )
        .await;
    assert_eq!(error, None, "{created}");
    let id = created["id"].as_str().expect("a u64 id is a JSON string").to_string();
    assert_eq!(created["status"], "PET_STATUS_AVAILABLE", "the default is written");

    let (duplicate, error) = peer
        .call(
            &topic("create_pet"),
            json!({ "pet": input, "idempotencyKey": "6b0c3c1e-5d1c-4c8e-9a43-1f1d2c3b4a61" }),
            USER,
        )
        .await;
    assert_eq!(error.as_deref(), Some("PetAlreadyExists"));
    assert_eq!(duplicate, json!({ "existingId": id }));

    let (fetched, error) = peer.call(&topic("get_pet"), json!({ "id": id }), &[]).await;
    assert_eq!((fetched["name"].as_str(), error), (Some("Rex"), None));

    let (page, error) = peer
        .call(
            &topic("list_pets"),
            json!({ "species": "SPECIES_DOG", "pageSize": 5 }),
            &[],
        )
        .await;
    assert_eq!(error, None);
    assert_eq!(page["pets"][0]["id"], id.as_str());

    let mut sold = input.clone();
    sold["status"] = json!("PET_STATUS_SOLD");
    let (updated, error) = peer
        .call(&topic("update_pet"), json!({ "id": id, "pet": sold }), USER)
        .await;
    assert_eq!((updated["status"].as_str(), error), (Some("PET_STATUS_SOLD"), None));

    let (denied, error) = peer.call(&topic("delete_pet"), json!({ "id": id }), USER).await;
    assert_eq!(error.as_deref(), Some("PERMISSION_DENIED"), "{denied}");
    let (deleted, error) = peer.call(&topic("delete_pet"), json!({ "id": id }), ADMIN).await;
    assert_eq!(error, None);
    // What the served AsyncAPI document promises for a method without a result.
    let asyncapi: serde_json::Value = reqwest::get(format!("{base}/asyncapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let promised = &asyncapi["components"]["messages"]["PetStore.delete_pet.reply"]["payload"];
    assert_eq!(promised["type"], "object", "{promised}");
    assert_eq!(deleted, json!({}), "an empty object, as the document says");

    let (missing, error) = peer.call(&topic("get_pet"), json!({ "id": id }), &[]).await;
    assert_eq!(error.as_deref(), Some("PetNotFound"));
    assert_eq!(missing, json!({ "id": id }));

    let (invalid, error) = peer.call(&topic("list_pets"), json!({ "pageSize": 1000 }), &[]).await;
    assert_eq!(error.as_deref(), Some("INVALID_ARGUMENT"), "{invalid}");
}
