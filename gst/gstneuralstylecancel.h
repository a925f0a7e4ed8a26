// SPDX-License-Identifier: LGPL-2.1-or-later
/* Why the optimisation of the frame in hand must stop. */
#ifndef __GST_NEURAL_STYLE_CANCEL_H__
#define __GST_NEURAL_STYLE_CANCEL_H__

#include <atomic>
#include <mutex>

namespace gstneuralstyle
{

/* The core polls one flag between two steps. Several events raise it, and a
 * single flag that each of them set and cleared could lose a request: a flush
 * ending (flush-stop) after the element was asked to stop (PAUSED to READY, but
 * before its pads are flushing) would clear the stop, and the next frame would
 * run to its end while the state change waits. So each reason has its own bit,
 * cleared only by its own counterpart, and the flag is their union. */
class CancelReasons
{
public:
  enum Reason : unsigned
  {
    kFlushing = 1u << 0,        /* flush-start until flush-stop */
    kStopping = 1u << 1,        /* PAUSED to READY until the next start */
  };

  void raise (Reason reason)
  {
    std::lock_guard<std::mutex> lock (mutex_);
    set_bits (bits_ | reason);
  }

  void clear (Reason reason)
  {
    std::lock_guard<std::mutex> lock (mutex_);
    set_bits (bits_ & ~static_cast<unsigned> (reason));
  }

  /* A fresh start: no reason holds. */
  void clear_all ()
  {
    std::lock_guard<std::mutex> lock (mutex_);
    set_bits (0);
  }

  bool cancelled () const { return flag_.load (); }

  /* What the core polls. */
  const std::atomic<bool> *flag () const { return &flag_; }

private:
  void set_bits (unsigned bits)
  {
    bits_ = bits;
    flag_ = bits != 0;
  }

  std::mutex mutex_;
  unsigned bits_ = 0;
  std::atomic<bool> flag_{false};
};

}  // namespace gstneuralstyle

#endif /* __GST_NEURAL_STYLE_CANCEL_H__ */
