/**
 * The {@code myelin} command line: train, evaluate and predict on Fashion-MNIST or a user's data, with a
 * JSON report, a chart and a progress bar. An application, not a library: nothing depends on it.
 */
module dev.myelin.cli {
    requires dev.myelin.trainer;
    requires dev.myelin.examples;
    requires dev.myelin.onnx;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires me.tongfei.progressbar;
    requires xchart;
    requires java.desktop;

    // picocli fills the command objects, Jackson reads the report records, both by reflection
    opens dev.myelin.cli to info.picocli, com.fasterxml.jackson.databind;
}
