package io.gridlet.enclave.keys;

import io.gridlet.enclave.sealing.ResultSeal;
import io.gridlet.enclave.sealing.SealException;

import javax.crypto.SecretKey;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Keys that open sealed result lines ({@link ResultSeal}): a house's results open with that house's key, found by
 * the pseudonym the line carries. The owner and the runtime derive every house's key ({@link ResultMaster}); an
 * analyst holds the keys of the houses it is entitled to ({@link AnalystKeyFile}).
 */
public interface ResultKeys {
    /** The result key of the house with this pseudonym, or null if these keys do not include it. */
    SecretKey forPseudonym(long pseudonym);

    /**
     * A result line of output file {@code file} of run {@code run} ("" for live results), as the sink writes it
     * (base64 of the sealed bytes), opened.
     *
     * @throws SealException UNKNOWN_KEY for a house these keys do not include, MALFORMED, TAMPERED (also: another
     *                       file or run)
     */
    default String open(String run, String file, String line) {
        byte[] sealed = decode(line);
        SecretKey key = forPseudonym(ResultSeal.header(sealed).pseudonym());
        if (key == null) {
            throw new SealException(SealException.Reason.UNKNOWN_KEY, "a result of a house these keys do not include");
        }
        return new String(ResultSeal.open(key, run, file, sealed), StandardCharsets.US_ASCII);
    }

    /** A sealed result line's bytes; MALFORMED if it is not base64. */
    static byte[] decode(String line) {
        try {
            return Base64.getDecoder().decode(line);
        } catch (IllegalArgumentException e) {
            throw new SealException(SealException.Reason.MALFORMED, "a sealed result line that is not base64");
        }
    }
}
