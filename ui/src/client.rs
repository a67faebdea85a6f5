//! The pages' use of the background's [`PortClient`]: one client per page (shared through the
//! Dioxus context), requests that wait out the background's start, answers of the wrong kind
//! put in words, and pushes read inside the page's own task (so signals are only written from
//! Dioxus tasks).

use std::future::Future;
use std::time::Duration;

use dioxus::prelude::*;
use futures_channel::mpsc::{unbounded, UnboundedReceiver};
use futures_util::StreamExt;
use phemossa_api::{ApiError, Push, Request, Response};
use phemossa_webext::{PortClient, Reader};

/// How long a page keeps asking while the background answers "not ready", in total.
const READY_WAIT: Duration = Duration::from_secs(20);
const READY_POLL: Duration = Duration::from_millis(250);

/// Creates the page's one port client, which reads the background's messages with `read`
/// (`ServerMessage::from_json_as` with the page's answers); call in the root component.
pub fn use_client_provider(read: Reader) -> PortClient {
    use_context_provider(|| PortClient::new(read))
}

/// The port client the root component provided.
pub fn use_client() -> PortClient {
    use_context()
}

/// Sends `request`, asking again while the background says it is still starting.
pub async fn request_when_ready(
    client: &PortClient,
    request: Request,
) -> Result<Response, ApiError> {
    let attempts = READY_WAIT.as_millis() / READY_POLL.as_millis();
    let mut attempt = 0;
    loop {
        match client.request(request.clone()).await {
            Err(ApiError::NotReady) if attempt < attempts => {
                attempt += 1;
                gloo_timers::future::sleep(READY_POLL).await;
            }
            other => return other,
        }
    }
}

/// The error for a response of the wrong kind (a background of another version, or a bug).
pub fn unexpected(response: Response) -> ApiError {
    ApiError::Internal {
        reason: format!(
            "the background gave an unexpected answer ({})",
            response.kind()
        ),
    }
}

/// In words, why `answer` is not the one a page asked for: the background's refusal, or an
/// answer of the wrong kind (see [`unexpected`]).
pub fn failure_text(answer: Result<Response, ApiError>) -> String {
    match answer {
        Ok(other) => unexpected(other).to_string(),
        Err(refused) => refused.to_string(),
    }
}

/// Hands each push `client` receives to `handle`, in order, each once the one before it is
/// handled. Call once per page, in the root component.
pub fn use_pushes<F>(client: &PortClient, mut handle: impl FnMut(Push) -> F + 'static)
where
    F: Future<Output = ()> + 'static,
{
    let client = client.clone();
    use_hook(move || {
        let mut pushes = Pushes::new(&client);
        spawn(async move {
            while let Some(push) = pushes.next().await {
                handle(push).await;
            }
        });
    });
}

/// The pushes the client receives, in order.
struct Pushes(UnboundedReceiver<Push>);

impl Pushes {
    /// Starts collecting `client`'s pushes.
    fn new(client: &PortClient) -> Self {
        let (sender, receiver) = unbounded();
        client.on_push(move |push| {
            // Fails only once the page's receiving task has ended, when nobody needs it.
            let _ = sender.unbounded_send(push);
        });
        Self(receiver)
    }

    async fn next(&mut self) -> Option<Push> {
        self.0.next().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_put_in_words() {
        assert_eq!(
            failure_text(Err(ApiError::NotReady)),
            ApiError::NotReady.to_string()
        );
        let wrong_kind = failure_text(Ok(Response::Following(vec![])));
        assert!(wrong_kind.contains("unexpected answer (Following)"));
    }
}
