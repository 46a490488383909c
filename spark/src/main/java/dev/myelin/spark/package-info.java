/**
 * Data-parallel training on Apache Spark, in the style of Spark ML: {@link MyelinClassifier} is an
 * {@code Estimator} whose {@code fit} trains a Myelin model on a DataFrame of features and labels, one replica
 * per partition, synchronised in rounds whose results are combined in partition order (so the outcome does not
 * depend on which task finishes first); it returns a {@link MyelinClassificationModel}, a {@code Model} whose
 * {@code transform} adds prediction and probability columns, and which reads and writes Myelin model files.
 *
 * <p>Spark is a provided dependency: the cluster's own Spark is used, and this module runs on the class path
 * (its jar names itself {@code dev.myelin.spark} for tools that ask). docs/spark.md has the design, its costs and
 * the JVM options Spark needs on Java 25.
 */
package dev.myelin.spark;
