/**
 * The trainer: layers, losses, optimizers and a fit loop over the kernel interface; data readers,
 * checkpoints, the command line and the seed examples.
 */
module dev.myelin.trainer {
    requires dev.myelin.core;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires me.tongfei.progressbar;
    requires org.apache.commons.csv;
    requires xchart;
    requires java.desktop;

    exports dev.myelin.trainer;
    exports dev.myelin.trainer.data;
    exports dev.myelin.trainer.examples;

    // picocli fills the command objects, Jackson reads the report records, both by reflection
    opens dev.myelin.trainer.cli to info.picocli, com.fasterxml.jackson.databind;
}
