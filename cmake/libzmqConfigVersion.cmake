# find_package(libzmq VERSION): as for ZeroMQ.
include("${CMAKE_CURRENT_LIST_DIR}/../ZeroMQ/ZeroMQConfigVersion.cmake")
