// Symbol visibility for the SDK. Plugins build with hidden visibility, so
// every type whose identity must be the same in the host and in each plugin
// (exception types, the Model base class) is marked MODELZOO_API: its
// typeinfo and vtable then resolve to one definition across shared objects.
#pragma once

#define MODELZOO_API __attribute__((visibility("default")))
