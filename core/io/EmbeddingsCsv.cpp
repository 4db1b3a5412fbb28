#include "io/EmbeddingsCsv.h"

#include "common/Error.h"

#include <cstdio>

namespace lx {

std::string embeddingsCsv(const DatasetSplits& data, const std::vector<float>& codes, int dim)
{
    if (dim <= 0 || codes.size() != size_t(data.totalCount()) * size_t(dim))
        throw Error("embeddings: " + std::to_string(codes.size()) + " values do not make " +
                    std::to_string(data.totalCount()) + " codes of " + std::to_string(dim));
    std::string csv = "index,split,label";
    for (int d = 0; d < dim; ++d)
        csv += ",z" + std::to_string(d);
    csv += '\n';
    csv.reserve(csv.size() + size_t(data.totalCount()) * size_t(24 + 14 * dim));
    size_t row = 0;
    char number[32];
    for (const auto& [split, part] :
         {std::pair<const char*, const Dataset*>{"train", &data.train}, {"validation", &data.validation}}) {
        for (int64_t i = 0; i < part->count; ++i, ++row) {
            csv += std::to_string(part->sourceIndex[size_t(i)]);
            csv += ',';
            csv += split;
            csv += ',';
            if (part->hasLabels())
                csv += std::to_string(part->labels[size_t(i)]);
            for (int d = 0; d < dim; ++d) {
                std::snprintf(number, sizeof number, ",%.7g", double(codes[row * size_t(dim) + size_t(d)]));
                csv += number;
            }
            csv += '\n';
        }
    }
    return csv;
}

} // namespace lx
