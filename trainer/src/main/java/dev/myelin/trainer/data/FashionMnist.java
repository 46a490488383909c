package dev.myelin.trainer.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST: 28x28 grey images of 10 kinds of clothing, 60,000 for training and 10,000 for test,
 * in four IDX files (from github.com/zalandoresearch/fashion-mnist, or the Debian package
 * {@code dataset-fashion-mnist}). Pixels are scaled to {@code [0, 1]}; each image is one row of 784 features.
 * This class reads the files from a folder that holds them; finding or downloading them is the application's
 * business (the command line and the examples do it).
 */
public final class FashionMnist {

    /** The four files, as the package names them. */
    public static final List<String> FILES = List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

    /** Image height, in pixels. */
    public static final int ROWS = 28;
    /** Image width, in pixels. */
    public static final int COLS = 28;
    /** Number of classes. */
    public static final int CLASSES = 10;
    /** Class names, by label. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private FashionMnist() {
    }

    /**
     * The training set, from {@code folder}.
     *
     * @param folder the folder holding the four files
     * @return the 60,000 training images and labels; close it to free its memory
     * @throws IOException if a file is missing, unreadable or invalid ({@link InvalidDataException}, naming it)
     */
    public static Dataset train(Path folder) throws IOException {
        return load("fashion-mnist train", file(folder, FILES.get(0)), file(folder, FILES.get(1)));
    }

    /**
     * The test set, from {@code folder}.
     *
     * @param folder the folder holding the four files
     * @return the 10,000 test images and labels; close it to free its memory
     * @throws IOException if a file is missing, unreadable or invalid ({@link InvalidDataException}, naming it)
     */
    public static Dataset test(Path folder) throws IOException {
        return load("fashion-mnist test", file(folder, FILES.get(2)), file(folder, FILES.get(3)));
    }

    /**
     * Reads an images file and a labels file: images must be (n, 28, 28), labels (n) in {@code [0, 10)}; the classes
     * are named {@link #CLASS_NAMES}.
     *
     * @param name       what to call the dataset in messages
     * @param imagesFile the images file, plain or gzip
     * @param labelsFile the labels file, plain or gzip
     * @return the dataset; close it to free its memory
     * @throws IOException if a file is missing, unreadable or invalid ({@link InvalidDataException}, naming it)
     */
    public static Dataset load(String name, Path imagesFile, Path labelsFile) throws IOException {
        return IdxReader.dataset(name, imagesFile, labelsFile, ROWS, COLS, CLASSES).classNames(CLASS_NAMES);
    }

    /**
     * The test images file in {@code folder} (gzip or plain).
     *
     * @param folder the folder holding the files
     * @return the path of the test images file
     */
    public static Path testImages(Path folder) {
        return file(folder, FILES.get(2));
    }

    /** {@code name} in {@code folder}, or the same name without {@code .gz} if only that exists. */
    private static Path file(Path folder, String name) {
        Path gz = folder.resolve(name);
        Path plain = folder.resolve(name.substring(0, name.length() - 3));
        return Files.exists(gz) || !Files.exists(plain) ? gz : plain;
    }

    /**
     * True if {@code folder} holds the four files (gzipped or not).
     *
     * @param folder the folder to look in, or null
     * @return whether all four files are there
     */
    public static boolean present(Path folder) {
        return folder != null && FILES.stream().allMatch(f -> Files.isRegularFile(file(folder, f)));
    }

    /**
     * Checks that {@code folder} holds the four files (each gzipped or not).
     *
     * @param folder the folder the user gave
     * @return {@code folder}
     * @throws InvalidDataException if the folder does not exist or lacks a file, naming it
     */
    public static Path requireFiles(Path folder) throws InvalidDataException {
        if (!Files.isDirectory(folder)) {
            throw new InvalidDataException(folder, "no such folder");
        }
        for (String f : FILES) {
            if (!Files.isRegularFile(file(folder, f))) {
                throw new InvalidDataException(folder, "has no " + f + " (Fashion-MNIST needs " + String.join(", ", FILES) + ")");
            }
        }
        return folder;
    }
}
