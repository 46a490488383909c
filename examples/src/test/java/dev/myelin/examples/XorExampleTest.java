package dev.myelin.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.trainer.EpochResult;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class XorExampleTest {

    @ParameterizedTest
    @ValueSource(strings = {"reference", "simd"})
    void aSingleSigmoidUnitCannotFitXor(String backend) throws IOException {
        EpochResult r = XorExample.singleUnit(Backends.get(backend), 42);
        System.out.println(backend + " single unit: " + r);
        // sigmoid(w.x + b) > 0.5 is a half-plane, and no half-plane holds (0,1) and (1,0) but neither
        // (0,0) nor (1,1) (adding w.(0,1) + b > 0 and w.(1,0) + b > 0 gives w.(1,1) + 2b > 0, while
        // b <= 0 and w.(1,1) + b <= 0 sum to w.(1,1) + 2b <= 0): at most 3 of the 4 points are right.
        assertTrue(r.trainAccuracy() <= 0.75, "accuracy " + r.trainAccuracy());
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "simd"})
    void aTanhHiddenLayerWithBceFitsXor(String backend) throws IOException {
        EpochResult r = XorExample.hiddenLayer(Backends.get(backend), 42);
        System.out.println(backend + " hidden layer: " + r);
        assertEquals(1.0, r.trainAccuracy(), "all four points");
    }
}
