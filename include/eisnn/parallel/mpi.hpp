// MPI, for a job spread over processes started by mpirun, srun or another
// MPI launcher. eisnn does not need it: built without MPI, or started without
// a launcher, a process is a job of one rank.
#pragma once

#include <memory>

#include "eisnn/parallel/communicator.hpp"

namespace eisnn::mpi {

// Whether this build of eisnn can use MPI (CMake option EISNN_WITH_MPI).
bool built_with_mpi();

// Whether an MPI launcher started this process, judged from the variables
// launchers set (Open MPI's mpirun, PMI and PMIx as used by srun and MPICH).
bool launched_by_mpi();

// MPI for the life of the object: initialised if an MPI launcher started the
// process, otherwise a job of one rank with nothing initialised. Throws
// InputError if a launcher started several processes but this build has no
// MPI (each would silently run the whole job).
class Session {
 public:
  Session(int& argc, char**& argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  bool active() const { return active_; }
  Communicator& world() { return *world_; }

  // Ends every process of the job with `exit_code`: after one rank fails,
  // the others would otherwise wait for it forever.
  [[noreturn]] void abort(int exit_code);

 private:
  bool active_ = false;
  std::unique_ptr<Communicator> world_;
};

}  // namespace eisnn::mpi
