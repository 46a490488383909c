package dev.myelin.spark;

/** The JDK checks Spark 4.2 asks for. */
final class SparkVersion {

    /** Spark 4.2 needs JDK 25.0.3 or later: earlier 25.0.x builds have a G1 bug that corrupts data (JDK-8377811). */
    static final Runtime.Version MINIMUM = Runtime.Version.parse("25.0.3");

    private SparkVersion() {
    }

    /** Throws with the reason and the fix if this JVM is older than {@link #MINIMUM}. */
    static void check(Runtime.Version running) {
        if (running.compareToIgnoreOptional(MINIMUM) < 0) {
            throw new IllegalStateException("Myelin on Spark needs JDK " + MINIMUM + " or later, this is " + running
                    + ": Spark 4.2 does not support earlier 25.0.x builds, whose G1 garbage collector can corrupt data "
                    + "(JDK-8377811); run the driver and the executors on JDK 25.0.3 or later");
        }
    }
}
