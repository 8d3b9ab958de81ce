#include "server/change_hub.h"

namespace exidx::server {

std::uint64_t ChangeHub::Subscribe(Listener listener) {
  std::lock_guard lock(mu_);
  const std::uint64_t id = next_id_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void ChangeHub::Unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mu_);
  listeners_.erase(id);
}

void ChangeHub::Notify() {
  std::lock_guard lock(mu_);
  ++epoch_;
  for (auto& [id, listener] : listeners_) listener();
}

std::uint64_t ChangeHub::epoch() const {
  std::lock_guard lock(mu_);
  return epoch_;
}

std::size_t ChangeHub::listeners() const {
  std::lock_guard lock(mu_);
  return listeners_.size();
}

}  // namespace exidx::server
