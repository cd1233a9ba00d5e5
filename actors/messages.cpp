// Message-type registration: an unregistered type arrives as an empty message, so all are listed
// here.
#include "actors/messages.hpp"

namespace cohort {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<task_spec>("cohort::task_spec");
  cfg.add_message_type<partial>("cohort::partial");
  cfg.add_message_type<job_desc>("cohort::job_desc");
  cfg.add_message_type<task_result>("cohort::task_result");
  cfg.add_message_type<worker_hello>("cohort::worker_hello");
}

} // namespace cohort
