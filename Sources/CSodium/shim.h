#ifndef RHIZOME_CSODIUM_SHIM_H
#define RHIZOME_CSODIUM_SHIM_H
#include <sodium.h>
#endif
