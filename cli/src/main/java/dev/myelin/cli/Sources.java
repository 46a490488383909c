package dev.myelin.cli;

import dev.myelin.examples.FashionMnistDownload;
import dev.myelin.trainer.data.CsvReader;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.data.FashionMnist;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/** Where the commands' data comes from: a CSV file, or a folder of Fashion-MNIST-style IDX files. */
final class Sources {

    private Sources() {
    }

    /** A training set and, if there is one, a test set; both closed together. */
    record Data(Dataset train, Dataset test, String where) implements AutoCloseable {
        @Override
        public void close() {
            train.close();
            if (test != null) {
                test.close();
            }
        }
    }

    /**
     * The training data: {@code csv} (its label column read as classes, or as a target for regression) with
     * {@code test} as the test set, or else the IDX files of {@code folder} (Fashion-MNIST by default, located or
     * fetched as {@link FashionMnist#locate} does), whose t10k files are the test set.
     */
    static Data training(Path csv, String label, boolean header, boolean regression, Path test, Path folder,
                         PrintWriter err) throws IOException {
        if (csv == null) {
            if (test != null) {
                throw new Main.UsageException("--test needs --csv (an IDX folder has its own test files)");
            }
            if (regression) {
                throw new Main.UsageException("--regression needs --csv (IDX data is classification)");
            }
            Path dir = FashionMnistDownload.locate(folder, err::println);
            Dataset train = FashionMnist.train(dir);
            try {
                return new Data(train, FashionMnist.test(dir), dir.toString());
            } catch (IOException | RuntimeException e) {
                train.close();
                throw e;
            }
        }
        if (folder != null) {
            throw new Main.UsageException("give --csv or --data, not both");
        }
        Dataset train = regression ? CsvReader.regression(csv, label, header) : CsvReader.classification(csv, label, header, null);
        try {
            Dataset t = test == null ? null : regression ? CsvReader.regression(test, label, header)
                    : CsvReader.classification(test, label, header, train.classNames());
            return new Data(train, t, csv.toString());
        } catch (IOException | RuntimeException e) {
            train.close();
            throw e;
        }
    }

    /** Labelled data to score: {@code csv} with the model's classes, or the test files of an IDX folder. */
    static Dataset labelled(Path csv, String label, boolean header, boolean regression, List<String> classNames, Path folder,
                            PrintWriter err) throws IOException {
        if (csv == null) {
            return FashionMnist.test(FashionMnistDownload.locate(folder, err::println));
        }
        if (folder != null) {
            throw new Main.UsageException("give --csv or --data, not both");
        }
        return regression ? CsvReader.regression(csv, label, header)
                : CsvReader.classification(csv, label, header, classNames.isEmpty() ? null : classNames);
    }
}
