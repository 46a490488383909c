/**
 * Small programs that show the API at work, each with a {@code main} and methods that return what it found:
 * {@link LinearRegressionExample}, {@link XorExample}, {@link SineExample} and
 * {@link CovarianceExample} (the GEMM and its error bound), {@link QuickstartExample} (train, save, load and
 * predict), {@link FashionMnistExample} (an MLP) and {@link FashionCnnExample} (a convolutional network) on
 * Fashion-MNIST.
 */
package dev.myelin.trainer.examples;
