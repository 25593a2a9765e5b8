// PyTorch zip checkpoints, as torch.save writes them since 1.6 (the format
// of torchvision's published weights): a bounded zip reader (entries are
// stored uncompressed, so tensors alias the mapped file; ZIP64 for
// checkpoints over 4 GiB) and a restricted unpickler that accepts only what
// a state dict needs — dicts, collections.OrderedDict, lists, tuples,
// numbers, strings, None, torch._utils._rebuild_tensor_v2 /
// _rebuild_parameter, torch.*Storage via persistent ids — and refuses every
// other global without executing anything (torch.load(weights_only=True)'s
// rule).
#pragma once

#include <memory>

#include "modelzoo/formats/tensor_view.h"
#include "modelzoo/sdk/export.h"

namespace modelzoo::formats {

/// Reads the state dict in a torch.save zip archive. Nested dicts flatten
/// to dotted names. Throws modelzoo::Error naming the file and the problem
/// ("refusing 'posix.system' in model.pth: only tensors and containers are
/// allowed (like torch.load(weights_only=True))").
MODELZOO_API TensorFile read_pth(std::shared_ptr<MappedFile> file);

}  // namespace modelzoo::formats
