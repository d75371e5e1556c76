// Asio, Asio's SSL support and Beast are compiled once, here, instead of in
// every translation unit that includes them (separate compilation).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
