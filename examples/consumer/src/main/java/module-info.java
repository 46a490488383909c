/** A user's application: one requires line is enough (the trainer requires core transitively). */
module dev.myelin.consumer {
    requires dev.myelin.trainer;
}
