/**
 * Runnable Kindling examples: the blog's 1-D CNN with real autograd (`trainBlogExample`), the
 * blog's hand-derived gradient as a custom op, one Newton step with autograd's Hessian
 * (`newtonStep`), learning a hidden filter, a small sequence classifier, forecasting Seattle's
 * weather with a 1-D CNN against honest baselines (`trainWeather`), and the terminal helpers the
 * command lines use.
 *
 * @module @kindling/examples
 */
// The blog's 1-D CNN
export { trainBlogExample, type BlogOptions, type BlogEpoch, type BlogResult } from './blog/model.js';
export { BLOG_INPUT, BLOG_TARGET, BLOG_WEIGHT, BLOG_BIAS, BLOG_LR, BLOG_EPOCHS, blogForward, blogLoss } from './blog/problem.js';
export { blogGradient, trueGradient, blogLossWithBlogGradient, type Gradient } from './blog/blog-gradient.js';
export { checkBlogGradients, type Verdict } from './blog/check.js';
export { analyzeHessian, designMatrix, mseHessian, symmetricEigen, symmetricEigenvalues, type HessianReport } from './blog/hessian.js';
export { newtonStep, autogradCurvature, pseudoInverse, PINV_RTOL, type NewtonOptions, type NewtonStepResult, type AutogradCurvature } from './blog/newton.js';
export { blogRecipes, compareRecipes, epochsToLoss, type Recipe, type RecipeResult } from './blog/recipes.js';
// Building small models
export { learnFilter, type LearnFilterOptions, type LearnFilterResult } from './filter/learn-filter.js';
export {
  trainClassifier, buildClassifier, makeSequences, crossEntropy, argmax, accuracy, pick, inputTensor, CLASSES,
  type ClassifierOptions, type ClassifierResult, type Dataset,
} from './classifier/classify.js';
// A real data set, end to end: Seattle's weather
export { WEATHER_LABELS, dayOfYear, parseWeatherCsv, seattleWeather, type WeatherDay, type WeatherLabel } from './weather/data.js';
export {
  WEATHER_FEATURES, NORMALISED_FEATURES, fitNormalizer, dayFeatures, makeWindows, timeSplit,
  type Normalizer, type WeatherWindows, type TimeSplitOptions, type WeatherSplit,
} from './weather/features.js';
export { persistenceForecast, climatologyForecast, majorityForecast, type Forecast, type ClimatologyOptions } from './weather/baselines.js';
export { confusionMatrix, macroF1, meanAbsoluteError, scoreForecast, type WeatherScores } from './weather/metrics.js';
export {
  WeatherNet, WeatherLoss, classWeights, weatherTargets, weatherInputs,
  type WeatherNetOptions, type WeatherTargets, type ClassWeighting, type WeatherLossParts,
} from './weather/model.js';
export {
  trainWeather, forecastWithModel, loadWeatherCheckpoint,
  type WeatherOptions, type WeatherEpoch, type WeatherReport, type WeatherResult,
} from './weather/train.js';
// Terminal helpers
export { lineChart, type Series, type ChartOptions } from './terminal/chart.js';
export { ProgressBar, type ProgressStream } from './terminal/progress.js';
export { sparkline } from './terminal/sparkline.js';
