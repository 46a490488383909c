package dev.myelin.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.myelin.trainer.AtomicFile;
import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Evaluation;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.io.IOException;
import java.util.List;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * The JSON summary of a training run (Jackson) and a PNG of its curves (XChart), both written atomically.
 *
 * @param backend       "simd" or "reference"
 * @param backendReason why that backend was chosen
 * @param vectorSpecies the SIMD backend's description (species, lanes, GEMM tile), or the reference's
 * @param threads       threads the kernels use at most (--threads capped at the cores, 1 for the reference; the
 *                      SIMD GEMM uses them, the other kernels run on one)
 * @param epochs        one entry per epoch
 * @param layers        the --layers description
 * @param testAccuracy  accuracy on the test set at the end (the test set is scored only then), null without one
 * @param testRmse      a regression model's RMSE on the test set, in the targets' units; null otherwise
 * @param testMae       its mean absolute error on the test set; null otherwise
 * @param testR2        its R² on the test set; null otherwise
 */
record Report(String backend, String backendReason, String vectorSpecies, String jdk, int threads, int batchSize,
              String optimizer, float learningRate, String layers, long seed, String model, List<Epoch> epochs,
              Double testAccuracy, Double testRmse, Double testMae, Double testR2) {

    /**
     * One epoch: seconds of training, mean training loss and accuracy, validation loss and accuracy (null without
     * a validation split), the learning rate of its last step.
     */
    record Epoch(int epoch, double seconds, double loss, double accuracy, Double validationLoss,
                 Double validationAccuracy, float learningRate) {
    }

    static Report of(Options.Chosen backend, int threads, int batchSize, String optimizer, float lr, String layers, long seed,
                     String model, List<EpochResult> history, Evaluation test) {
        List<Epoch> epochs = history.stream().map(r -> new Epoch(r.epoch(), r.seconds(), r.trainLoss(), r.trainAccuracy(),
                orNull(r.validationLoss()), orNull(r.validationAccuracy()), r.learningRate())).toList();
        String jdk = Runtime.version() + " (" + System.getProperty("java.vendor") + ")";
        return new Report(backend.name(), backend.why(), backend.description(), jdk, threads, batchSize, optimizer, lr,
                layers, seed, model, epochs, score(test, Evaluation::accuracy), score(test, Evaluation::rmse),
                score(test, Evaluation::mae), score(test, Evaluation::r2));
    }

    /** A test score, null without a test set or when the score does not apply (NaN). */
    private static Double score(Evaluation test, ToDoubleFunction<Evaluation> score) {
        return test == null ? null : orNull(score.applyAsDouble(test));
    }

    private static Double orNull(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /** Writes this report as JSON to {@code json} and the chart beside it; returns the chart's path. */
    Path write(Path json) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        byte[] bytes = mapper.writeValueAsBytes(this);
        String name = json.getFileName().toString();
        int dot = name.lastIndexOf('.');
        Path png = json.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".png");
        BufferedImage image = chart();
        AtomicFile.write(png, out -> ImageIO.write(image, "png", out));
        AtomicFile.write(json, out -> out.write(bytes));
        return png;
    }

    /** Loss (train and validation) above accuracy (train and validation), by epoch. */
    BufferedImage chart() {
        double[] x = epochs.stream().mapToDouble(Epoch::epoch).toArray();
        XYChart loss = new XYChartBuilder().width(800).height(400).title("Loss").xAxisTitle("epoch").yAxisTitle("loss").build();
        XYChart acc = new XYChartBuilder().width(800).height(400).title("Accuracy").xAxisTitle("epoch").yAxisTitle("accuracy").build();
        if (x.length > 0) {          // a resumed run that had nothing left to train has no curve
            loss.addSeries("train", x, epochs.stream().mapToDouble(Epoch::loss).toArray());
            acc.addSeries("train", x, epochs.stream().mapToDouble(Epoch::accuracy).toArray());
            if (epochs.getFirst().validationLoss() != null) {
                loss.addSeries("validation", x, epochs.stream().mapToDouble(Epoch::validationLoss).toArray());
                acc.addSeries("validation", x, epochs.stream().mapToDouble(Epoch::validationAccuracy).toArray());
            }
        }
        BufferedImage image = new BufferedImage(800, 800, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.drawImage(BitmapEncoder.getBufferedImage(loss), 0, 0, null);
        g.drawImage(BitmapEncoder.getBufferedImage(acc), 0, 400, null);
        g.dispose();
        return image;
    }
}
