/**
 * Neural-network building blocks with PyTorch's names and semantics: `Module` and `Parameter`,
 * layers (`Conv1d`, `Linear`, activations, `Flatten`, `Sequential`), the containers `ModuleList`
 * and `ModuleDict`, losses, the optimizers (`SGD`, `Adam`, `AdamW`, `RMSprop`, `Adagrad`),
 * `gradcheckModule`, and safetensors state dicts. Runs in browsers and Node; file helpers live in
 * `@kindling/nn/node`.
 *
 * @sortStrategy kind, alphabetical
 * @module @kindling/nn
 */
export { Module, persistentDtypeOf, type StateValue, type LoadStateDictResult, type LoadStateDictOptions, type RegisterBufferOptions } from './module.js';
export { Parameter } from './parameter.js';
export { ModuleList, ModuleDict } from './layers/containers.js';
export { gradcheckModule } from './gradcheck-module.js';
export { Conv1d, type Conv1dLayerOptions } from './layers/conv1d.js';
export { ConvTranspose1d, type ConvTranspose1dLayerOptions } from './layers/conv-transpose1d.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { ReLU, Tanh, Sigmoid, Identity } from './layers/activations.js';
export { Flatten } from './layers/flatten.js';
export { Sequential } from './layers/sequential.js';
export { Unflatten } from './layers/unflatten.js';
export { Dropout, type DropoutOptions } from './layers/dropout.js';
export { BatchNorm1d, LayerNorm, type BatchNorm1dOptions, type LayerNormOptions } from './layers/normalization.js';
export {
  MaxPool1d, AvgPool1d, AdaptiveAvgPool1d, AdaptiveMaxPool1d,
  type MaxPool1dOptions, type AvgPool1dOptions, type AdaptiveMaxPool1dOptions,
} from './layers/pooling.js';
export { Embedding, type EmbeddingOptions } from './layers/embedding.js';
export { Softmax, LogSoftmax, GELU, LeakyReLU, ELU, SiLU, Softplus, type GELUOptions, type SoftplusOptions } from './layers/activations-extra.js';
export type { InitOptions } from './layers/init.js';
export { MSELoss } from './losses/mse.js';
export { L1Loss } from './losses/l1.js';
export { CrossEntropyLoss, type CrossEntropyLossOptions } from './losses/cross-entropy.js';
export { NLLLoss, type NLLLossOptions } from './losses/nll.js';
export { BCELoss, BCEWithLogitsLoss, type BCELossOptions, type BCEWithLogitsLossOptions } from './losses/bce.js';
export { HuberLoss, SmoothL1Loss, type HuberLossOptions, type SmoothL1LossOptions } from './losses/huber.js';
export type { Reduction, LossOptions } from './losses/reduction.js';
export { Optimizer, type ParamGroup, type ParamsArg, type OptimizerStateDict } from './optim/optimizer.js';
export { SGD, type SGDOptions } from './optim/sgd.js';
export { Adam, type AdamOptions } from './optim/adam.js';
export { AdamW, type AdamWOptions } from './optim/adamw.js';
export { RMSprop, type RMSpropOptions } from './optim/rmsprop.js';
export { Adagrad, type AdagradOptions } from './optim/adagrad.js';
export {
  LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR,
  type AnyOptimizer, type SchedulerStateDict, type SchedulerStateValue,
  type StepLROptions, type MultiStepLROptions, type ExponentialLROptions, type CosineAnnealingLROptions, type LinearLROptions,
} from './optim/lr-scheduler.js';
export { OneCycleLR, type OneCycleLROptions } from './optim/one-cycle-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './optim/reduce-lr-on-plateau.js';
export { SequentialLR, type SequentialLROptions } from './optim/sequential-lr.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './optim/clip-grad.js';
export {
  TensorDataset, Subset, randomSplit, collate,
  type Dataset, type Collated, type RandomSource, type RandomSplitOptions,
} from './data/dataset.js';
export { DataLoader, type DataLoaderOptions } from './data/dataloader.js';
export { summary } from './summary.js';
export { saveSafetensors, loadSafetensors, loadSafetensorsWithMetadata } from './io/safetensors.js';
export type { SafetensorsDType } from './io/safetensors-format.js';
// The custom-op API lives in core; re-exported so a layer author needs one import (bumpVersion
// for code that writes a tensor's storage in place, as the optimizers do).
/** @category Custom ops */
export { apply, Context, type Op, bumpVersion } from '@kindling/core';
/** @category Checking and debugging */
export { gradcheck } from '@kindling/core';
