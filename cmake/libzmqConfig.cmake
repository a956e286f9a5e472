# find_package(libzmq): the same package as find_package(ZeroMQ).
include("${CMAKE_CURRENT_LIST_DIR}/../ZeroMQ/ZeroMQConfig.cmake")
set(libzmq_FOUND ${ZeroMQ_FOUND})
set(libzmq_INCLUDE_DIR "${ZeroMQ_INCLUDE_DIR}")
set(libzmq_LIBRARY "${ZeroMQ_LIBRARY}")
set(libzmq_STATIC_LIBRARY "${ZeroMQ_STATIC_LIBRARY}")
