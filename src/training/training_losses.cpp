// SPDX-License-Identifier: LGPL-2.1-or-later
#include "training_losses.hpp"

#include <torch/torch.h>

#include "style_loss.hpp"

namespace neuralstyle::detail {

torch::Tensor normalisedGrams(const torch::Tensor& features) {
  const auto flat = features.reshape({features.size(0), features.size(1), -1});
  return torch::bmm(flat, flat.transpose(1, 2)) / static_cast<double>(flat.size(2));
}

PerceptualLoss::PerceptualLoss(std::shared_ptr<FeatureNetworkImpl> network, InputConvention convention,
                               const std::string& content_layer,
                               const std::vector<LayerWeight>& style_layers,
                               const torch::Tensor& style_rgb, double content_weight,
                               double style_weight, double tv_weight)
    : network_(std::move(network)),
      convention_(std::move(convention)),
      content_index_(network_->layer(content_layer)),
      content_weight_(content_weight),
      style_weight_(style_weight),
      tv_weight_(tv_weight) {
  const auto device = style_rgb.device();
  mean_ = torch::tensor({convention_.mean[0], convention_.mean[1], convention_.mean[2]}).view({1, 3, 1, 1}).to(device);
  std_ = torch::tensor({convention_.std[0], convention_.std[1], convention_.std[2]}).view({1, 3, 1, 1}).to(device);
  for (const auto& layer : style_layers) {
    style_indices_.push_back(network_->layer(layer.layer));
    style_layer_weights_.push_back(layer.weight);
  }
  torch::NoGradGuard no_grad;
  for (const auto& features : network_->forward(normalise(style_rgb), style_indices_))
    style_grams_.push_back(normalisedGrams(features));
}

torch::Tensor PerceptualLoss::normalise(const torch::Tensor& rgb) const {
  // As rgbToTensor: channels in the network's order, x / 255 * scale, minus mean, over std.
  auto x = convention_.order == ChannelOrder::BGR ? rgb.flip(1) : rgb;
  return (x * (convention_.scale / 255.0) - mean_) / std_;
}

LossTerms PerceptualLoss::operator()(const torch::Tensor& output, const torch::Tensor& content) {
  std::vector<int> indices{content_index_};
  indices.insert(indices.end(), style_indices_.begin(), style_indices_.end());
  const auto features = network_->forward(normalise(output), indices);
  torch::Tensor content_target;
  {
    torch::NoGradGuard no_grad;
    content_target = network_->forward(normalise(content), {content_index_}).front();
  }
  LossTerms terms;
  terms.content = content_weight_ * (features[0] - content_target).pow(2).mean();
  terms.style = torch::zeros({}, output.options());
  for (size_t i = 0; i < style_indices_.size(); ++i)
    terms.style = terms.style + style_layer_weights_[i] *
                                    (normalisedGrams(features[i + 1]) - style_grams_[i]).pow(2).mean();
  terms.style = terms.style * style_weight_;
  terms.tv = tv_weight_ > 0 ? tv_weight_ * totalVariation(output / 255.0) : torch::zeros({}, output.options());
  return terms;
}

}  // namespace neuralstyle::detail
