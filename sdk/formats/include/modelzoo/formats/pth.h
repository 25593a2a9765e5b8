// PyTorch zip checkpoints, as torch.save writes them since 1.6 (the format
// of torchvision's published weights): a bounded zip reader (entries are
// stored uncompressed, so tensors alias the mapped file; ZIP64 for
// checkpoints over 4 GiB) and a restricted unpickler that accepts only what
// a state dict needs — dicts, collections.OrderedDict, lists, tuples,
// numbers, strings, None, torch._utils._rebuild_tensor_v2 /
// _rebuild_parameter, torch.*Storage via persistent ids — and refuses every
// other global without executing anything (torch.load(weights_only=True)'s
// rule).
//
// TorchScript archives (torch.jit.save: data.pkl + data/N + constants.pkl +
// code/, as Silero VAD and OpenAI's CLIP publish them) are read in the same
// way for their weights: the scripted modules in data.pkl (`__torch__.*`
// classes) become trees of named attributes whose tensors come from their
// storages; code/ is never read, let alone run, and every other global is
// refused as for a state dict.
#pragma once

#include <memory>

#include "modelzoo/formats/tensor_view.h"
#include "modelzoo/sdk/export.h"

namespace modelzoo::formats {

/// Reads the state dict in a torch.save zip archive. Nested dicts flatten
/// to dotted names. Throws modelzoo::Error naming the file and the problem
/// ("refusing 'posix.system' in model.pth: only tensors and containers are
/// allowed (like torch.load(weights_only=True))").
///
/// A TorchScript archive gives format "torchscript": every tensor attribute
/// of the module tree, named by its path ("_model.encoder.0.reparam_conv.
/// weight": attributes, and indices of lists and tuples), and the root
/// module's class as metadata "torchscript_class". Non-tensor attributes
/// are not kept. Mapping these paths to a model's own names is the family's.
MODELZOO_API TensorFile read_pth(std::shared_ptr<MappedFile> file);

}  // namespace modelzoo::formats
