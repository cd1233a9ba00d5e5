// The client actor: the opener's side of the client handshake, then sealed envelopes both ways.
#include "actors/client_actor.hpp"

#include "actors/guarded_actor.hpp"
#include "actors/messages.hpp"
#include "actors/watch.hpp"
#include "core/protocol.hpp"
#include "core/session.hpp"

#include <caf/all.hpp>

#include <memory>

namespace cohort {

namespace {

struct client_state {
  caf::actor master;
  caf::actor owner;
  std::optional<std::string> token;
  std::unique_ptr<session> sealed;
};

using client_actor = guarded_actor<client_state>;

caf::behavior client_behavior(client_actor* self, caf::actor master,
                              std::optional<std::string> token, caf::actor owner) {
  auto& st = self->state;
  st.master = std::move(master);
  st.owner = std::move(owner);
  st.token = std::move(token);
  watch(st.master, caf::actor{self});
  return {
      [self](client_atom, local_proof p) {
        auto rp = self->make_response_promise();
        auto& st = self->state;
        if (!is_local(p) || st.sealed) {
          rp.deliver(refused("this client opens no other session"));
          return rp;
        }
        auto opener = std::make_shared<handshake_opener>(st.token);
        // The owner's request for the whole handshake is bounded; these wait on it.
        self->request(st.master, caf::infinite, client_atom::value, caf::actor{self},
                      protocol_version, opener->nonce())
            .then(
                [self, rp, opener](handshake_answer& answer) mutable {
                  handshake_opener::completion done;
                  try {
                    done = opener->complete(answer);
                  } catch (const handshake_refused& e) {
                    rp.deliver(refused(e.what()));
                    return;
                  }
                  auto id = answer.session;
                  auto key = done.key;
                  auto distrust = done.distrust;
                  self->request(self->state.master, caf::infinite, client_atom::value, id,
                                done.proof)
                      .then(
                          [self, rp, id, key, distrust](client_atom) mutable {
                            if (distrust) {
                              rp.deliver(refused(*distrust));
                              return;
                            }
                            self->state.sealed = std::make_unique<session>(
                                id, key, direction::to_server, direction::to_client);
                            rp.deliver(client_atom::value);
                          },
                          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
                },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [self](sealed_atom, local_proof p, std::string& body) {
        auto& st = self->state;
        if (is_local(p) && st.sealed) {
          self->send(st.master, sealed_atom::value, st.sealed->seal(std::move(body)));
        }
      },
      [self](sealed_atom, envelope& e) {
        auto& st = self->state;
        if (!st.sealed || !st.sealed->open(e)) {
          note_dropped("an envelope that did not open under the client's session");
          return;
        }
        self->send(st.owner, sealed_atom::value, local(), std::move(e.body));
      },
      [self](stop_atom, local_proof p) {
        if (is_local(p)) {
          self->quit();
        }
      },
      [self](lost_atom, local_proof p, const caf::error&) {
        if (is_local(p)) {
          self->send(self->state.owner, lost_atom::value, local());
          self->quit();
        }
      },
  };
}

} // namespace

caf::actor spawn_client_actor(caf::actor_system& sys, caf::actor master,
                              std::optional<std::string> token, caf::actor owner) {
  return sys.spawn(client_behavior, std::move(master), std::move(token), std::move(owner));
}

} // namespace cohort
