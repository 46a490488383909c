package dev.myelin.cli;

import dev.myelin.examples.FashionMnistDownload;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.data.CsvReader;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.data.FashionMnist;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

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
     * {@code test} as the test set, its columns matched to the training set's ({@link #match}; when by name, its
     * label column is the one of the training file's name), or else the IDX
     * files of {@code folder} (Fashion-MNIST by default, located or fetched as {@link FashionMnist#locate} does),
     * whose t10k files are the test set.
     */
    static Data training(Path csv, String label, boolean header, boolean regression, Path test, Path folder,
                         Consumer<String> notes) throws IOException {
        if (csv == null) {
            if (test != null) {
                throw new Main.UsageException("--test needs --csv (an IDX folder has its own test files)");
            }
            if (regression) {
                throw new Main.UsageException("--regression needs --csv (IDX data is classification)");
            }
            Path dir = FashionMnistDownload.locate(folder, notes);
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
            Dataset t = null;
            if (test != null) {
                String testLabel = label;           // by name where the columns are: the label may stand elsewhere
                if (header && train.featureNames() != null) {
                    List<String> columns = CsvReader.columns(csv);
                    testLabel = columns.contains(label) ? label : labelName(columns, label);
                }
                List<String> names = match(test, header, testLabel, true, train.featureNames(), train.width(),
                        "the training set", notes);
                t = regression ? CsvReader.regression(test, testLabel, header, names)
                        : CsvReader.classification(test, testLabel, header, train.classNames(), names);
            }
            return new Data(train, t, csv.toString());
        } catch (IOException | RuntimeException e) {
            train.close();
            throw e;
        }
    }

    /**
     * Labelled data to score: {@code csv} with the model's classes and its columns matched to the model's
     * ({@link #match}), or the test files of an IDX folder. A null {@code label} is the one column the model does
     * not take when the columns are matched by name and there is one, else the last.
     */
    static Dataset labelled(Path csv, String label, boolean header, Model model, Path folder, Consumer<String> notes)
            throws IOException {
        if (csv == null) {
            return FashionMnist.test(FashionMnistDownload.locate(folder, notes));
        }
        if (folder != null) {
            throw new Main.UsageException("give --csv or --data, not both");
        }
        if (label == null) {
            label = "-1";
            if (header && !model.featureNames().isEmpty()) {
                List<String> rest = new ArrayList<>(CsvReader.columns(csv));
                rest.removeAll(model.featureNames());
                if (rest.size() == 1) {
                    label = rest.getFirst();
                }
            }
        }
        List<String> names = match(csv, header, label, true, model.featureNames(), model.inputShape().size(), "the model",
                notes);
        List<String> classes = model.classNames();
        return model.loss() == Loss.MSE ? CsvReader.regression(csv, label, header, names)
                : CsvReader.classification(csv, label, header, classes.isEmpty() ? null : classes, names);
    }

    /** Rows to predict for: {@code csv} less its {@code label} column if given, its columns matched to the model's. */
    static Dataset unlabelled(Path csv, String label, boolean header, Model model, Consumer<String> notes) throws IOException {
        List<String> names = match(csv, header, label, label != null, model.featureNames(), model.inputShape().size(),
                "the model", notes);
        return CsvReader.features(csv, header, label, names);
    }

    /**
     * How the columns of {@code csv} map to the {@code width} features of {@code what} (a model, or a training
     * set): by name when both have names ({@code header} and {@code names}), the columns it does not take then
     * noted as ignored and its names returned to read them by; else by position, after checking that the file
     * has as many feature columns (null returned). A mismatch names the file and suggests {@code --label}.
     */
    private static List<String> match(Path csv, boolean header, String label, boolean labelled, List<String> names, int width,
                                      String what, Consumer<String> notes) throws IOException {
        List<String> columns = CsvReader.columns(csv);
        if (header && names != null && !names.isEmpty()) {
            List<String> ignored = new ArrayList<>(columns);
            ignored.removeAll(names);
            if (label != null) {
                ignored.remove(columns.contains(label) ? label : labelName(columns, label));
            }
            if (!ignored.isEmpty()) {
                notes.accept("myelin: note: " + csv + ": ignoring the columns " + ignored + ", which " + what
                        + " does not take");
            }
            return names;
        }
        int features = columns.size() - (labelled ? 1 : 0);
        if (features != width) {
            String why = !header ? "--no-header" : what + " has no column names";
            throw new Main.UsageException(csv + " has " + columns.size() + " columns" + (labelled ? ", " + features
                    + " besides the label column (--label " + label + ")" : "") + ", but " + what + " takes " + width
                    + " features, matched by position (" + why + "); "
                    + (labelled ? "is --label the label column?" : "if one of them is a label, leave it out with --label COLUMN"));
        }
        return null;
    }

    /** The name of the column {@code label} names by index, or null if it does not. */
    private static String labelName(List<String> columns, String label) {
        try {
            int i = Integer.parseInt(label.trim());
            int j = i < 0 ? columns.size() + i : i;
            return j >= 0 && j < columns.size() ? columns.get(j) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
