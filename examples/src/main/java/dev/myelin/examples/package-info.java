/**
 * Small programs that show the API at work, each with a {@code main} and methods that return what it found:
 * {@link LinearRegressionExample}, {@link XorExample}, {@link SineExample} and
 * {@link CovarianceExample} (the GEMM and its error bound), {@link QuickstartExample} (train, save, load and
 * predict), {@link FashionMnistExample} (an MLP) and {@link FashionCnnExample} (a convolutional network) on
 * Fashion-MNIST; {@link ToyData}, their small problems; {@link FashionMnistDownload}, which finds or downloads
 * the Fashion-MNIST files for them and for the command line, and {@link FortunesDownload}, the same for the fortune
 * files a language model trains on ({@code myelin train --text}). Applications of the library, kept out of its jar.
 */
package dev.myelin.examples;
