package dev.myelin.examples;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.trainer.Activation;
import dev.myelin.trainer.BatchNorm;
import dev.myelin.trainer.Conv2D;
import dev.myelin.trainer.Dense;
import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.GlobalAvgPool;
import dev.myelin.trainer.Init;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Node;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Standardize;
import dev.myelin.trainer.TrainingListener;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.data.FashionMnist;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A small residual network on Fashion-MNIST, built as a graph ({@link Node}): a stem {@code Conv2D(w, 3x3, no bias)
 * BatchNorm ReLU}, then three residual blocks {@code relu(bn(conv(relu(bn(conv(x))))) + shortcut(x))} of two 3x3
 * convolutions without bias, at {@code w}, {@code 2w} with stride 2 and {@code 4w} with stride 2 filters, the shortcut
 * being {@code x} itself or, where the shape changes, a 1x1 convolution of stride 2 and a batch normalization; global
 * average pooling; {@code Dense(10)}. Softmax cross-entropy, Adam 1e-3, batch 64, pixels standardised inside the model,
 * every weight initialised as PyTorch does ({@link Init#FAN_IN_UNIFORM}). At {@code w = 16} it is issue 21's network,
 * the one {@code bench/compare-resnet} trains beside PyTorch (the command line's
 * {@code res(...)} syntax builds the same layers in the same order).
 */
public final class FashionResNetExample {

    /** Epochs {@link #main} trains for. */
    public static final int EPOCHS = 3;
    /** Samples per batch. */
    public static final int BATCH = 64;
    /** Adam's learning rate. */
    public static final float LEARNING_RATE = 1e-3f;
    /** The first block's filters in issue 21's network. */
    public static final int WIDTH = 16;
    /** Every weight's initialisation: PyTorch's default. */
    public static final Init INIT = Init.FAN_IN_UNIFORM;

    private FashionResNetExample() {
    }

    /**
     * The network on 28x28x1 images standardised by {@code stats}, with {@code width} filters in the stem and the first
     * block (twice and four times as many in the next two).
     *
     * @param kernels the backend to run on
     * @param seed    the seed of the initial weights
     * @param stats   the training set's pixel mean and standard deviation
     * @param width   the first block's filters, {@code >= 1}
     * @return the model; close it to free its memory
     */
    public static Model model(Kernels kernels, long seed, Dataset.Stats stats, int width) {
        Node x = Node.input().then(new Standardize((float) stats.mean(), (float) stats.std()),
                conv(width, 3, 1), new BatchNorm(), Activation.relu());
        x = block(x, width, width, 1);
        x = block(x, width, 2 * width, 2);
        x = block(x, 2 * width, 4 * width, 2);
        Node out = x.then(new GlobalAvgPool(), new Dense(FashionMnist.CLASSES, INIT));
        return Model.of(kernels, Shape.image(FashionMnist.ROWS, FashionMnist.COLS, 1), Loss.SOFTMAX_CROSS_ENTROPY, seed, out);
    }

    /** {@code relu(bn(conv(relu(bn(conv(x))))) + shortcut(x))}, the first convolution of stride {@code stride}. */
    private static Node block(Node x, int in, int out, int stride) {
        Node f = x.then(conv(out, 3, stride), new BatchNorm(), Activation.relu(), conv(out, 3, 1), new BatchNorm());
        Node shortcut = in == out && stride == 1 ? x : x.then(conv(out, 1, stride), new BatchNorm());
        return Node.add(f, shortcut).then(Activation.relu());
    }

    /** A convolution without bias (a batch normalization follows), padded to keep the size at stride 1. */
    private static Conv2D conv(int filters, int kernel, int stride) {
        return new Conv2D(filters, kernel, stride, kernel / 2, INIT, false);
    }

    /**
     * Trains for {@code epochs} epochs on {@code data.train()}, scoring {@code data.test()} after each (in inference
     * mode: batch normalization from its running statistics).
     *
     * @param kernels   the backend to run on
     * @param data      the training and test sets
     * @param seed      the seed of the weights and the shuffling
     * @param width     the first block's filters ({@link #WIDTH} for issue 21's network)
     * @param epochs    the epochs to train, {@code >= 1}
     * @param listeners told of every epoch and step
     * @return the history and the test scores
     * @throws IOException if a listener fails to write
     */
    public static FashionCnnExample.Result run(Kernels kernels, FashionMnistExample.Data data, long seed, int width,
                                               int epochs, TrainingListener... listeners) throws IOException {
        return FashionCnnExample.trainAndTest(model(kernels, seed, data.stats(), width), BATCH, LEARNING_RATE, data, seed,
                epochs, listeners);
    }

    /**
     * Arguments, all optional: the data folder (else the usual places, fetching if needed; "" for those), the width,
     * the epochs, the seed.
     *
     * @param args nothing, or the folder that holds the four Fashion-MNIST files, then the width (1 to 256), the epochs
     *             (1 to 1000) and the seed
     * @throws IOException if the data cannot be found, fetched or read
     */
    public static void main(String[] args) throws IOException {
        Path folder = FashionMnistDownload.locate(args.length > 0 && !args[0].isEmpty() ? Path.of(args[0]) : null,
                System.err::println);
        int width = args.length > 1 ? argument(args[1], "width", 1, 256) : WIDTH;
        int epochs = args.length > 2 ? argument(args[2], "epochs", 1, 1000) : EPOCHS;
        long seed = args.length > 3 ? argument(args[3], "seed", 0, Integer.MAX_VALUE) : 42;
        try (FashionMnistExample.Data data = FashionMnistExample.load(folder)) {
            Kernels k = Backends.get();
            try (Model m = model(k, seed, data.stats(), width)) {
                System.out.println(m.summary());
            }
            FashionCnnExample.Result r = run(k, data, seed, width, epochs);
            for (int e = 0; e < r.history().size(); e++) {
                EpochResult h = r.history().get(e);
                System.out.printf(Locale.ROOT, "epoch %d  loss %.4f  accuracy %.2f%%  test accuracy %.2f%%  %.1f s%n", h.epoch(),
                        h.trainLoss(), 100 * h.trainAccuracy(), 100 * r.test().get(e).accuracy(), h.seconds());
            }
        }
    }

    /** {@code text} as an integer in {@code [min, max]}, or an error naming the argument and the value. */
    private static int argument(String text, String name, int min, int max) {
        int v;
        try {
            v = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the " + name + " must be an integer, got '" + text + "'");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException("the " + name + " must be in [" + min + ", " + max + "], got " + v);
        }
        return v;
    }
}
