/**
 * Data for training and prediction: {@link Dataset} (samples as rows of an off-heap matrix, with float
 * targets, class labels and class names; subsets, seeded splits and feature statistics) and its readers:
 * {@link CsvReader} (CSV, plain or gzip), {@link IdxReader} (the IDX format of MNIST) and
 * {@link FashionMnist} (its four files, from a folder that holds them); and {@link TextCorpus}, a text read as
 * bytes for a character-level language model (random windows for training, a held-out tail for validation). A file that cannot be used is an
 * {@link InvalidDataException} that names the file and, for CSV, the line, column and value.
 */
package dev.myelin.trainer.data;
