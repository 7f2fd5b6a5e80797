package io.gridlet.adaptlets.builtin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The identities file: one identity per line, comments and blank lines ignored, errors with file:line. */
class IdentitiesTest {
    @TempDir
    Path dir;

    @Test
    void readsIdsRolesCeilingsAndSecrets() throws Exception {
        String secret = Base64.getEncoder().encodeToString("meter-17-secret-012345".getBytes());
        Path file = Files.writeString(dir.resolve("ids"), """
                # the fleet
                meter-17 meter 1 %s

                analyst-1 analyst,operator 3 -   # certificate only
                """.formatted(secret));
        Identities ids = Identities.read(file);
        assertThat(ids.identity("meter-17")).isEqualTo(new Identity("meter-17", Set.of("meter"), 1));
        assertThat(ids.secret("meter-17")).isEqualTo("meter-17-secret-012345".getBytes());
        assertThat(ids.identity("analyst-1").roles()).containsExactlyInAnyOrder("analyst", "operator");
        assertThat(ids.secret("analyst-1")).isNull();
        assertThat(ids.identity("nobody")).isNull();
    }

    @Test
    void badLinesAreRefusedWithTheirPlace() throws Exception {
        Path fields = Files.writeString(dir.resolve("fields"), "meter-1 meter 1\n");
        assertThatThrownBy(() -> Identities.read(fields)).hasMessageContaining("fields:1: expected 'id roles "
                + "max-priority secret [key=value ...]'");
        Path shortSecret = Files.writeString(dir.resolve("short"), "# x\nmeter-1 meter 1 "
                + Base64.getEncoder().encodeToString(new byte[8]) + "\n");
        assertThatThrownBy(() -> Identities.read(shortSecret)).hasMessageContaining("short:2: the secret of meter-1 "
                + "is shorter than 16 bytes");
        Path ceiling = Files.writeString(dir.resolve("ceiling"), "meter-1 meter high -\n");
        assertThatThrownBy(() -> Identities.read(ceiling)).hasMessageContaining("ceiling:1:");
        Path attribute = Files.writeString(dir.resolve("attribute"), "meter-1 meter 1 - houses\n");
        assertThatThrownBy(() -> Identities.read(attribute)).hasMessageContaining("attribute:1: 'houses' is not "
                + "key=value");
        Path twice = Files.writeString(dir.resolve("twice"), "meter-1 meter 1 - houses=1 houses=2\n");
        assertThatThrownBy(() -> Identities.read(twice)).hasMessageContaining("twice:1: two values for houses");
        // ids are bounded in bytes, as the signature header carries them (one length byte): 200 'é' are 400 bytes
        String accented = "\u00e9".repeat(200);
        assertThatThrownBy(() -> new Identities().add(accented, new byte[16], 1, "meter"))
                .hasMessageContaining("an id of 1 to 255 bytes of UTF-8, got 400 bytes");
        assertThat(new Identities().add("\u00e9".repeat(127), new byte[16], 1, "meter").ids()).hasSize(1);
    }

    @Test
    void attributesAfterTheSecretAreTheApplications() throws Exception {
        Path file = Files.writeString(dir.resolve("ids"), "meter-1 meter 2 - houses=0%5,7 site=north # comment\n"
                + "ops operator 3 -\n");
        Identities ids = Identities.read(file);
        assertThat(ids.attribute("meter-1", "houses")).isEqualTo("0%5,7");
        assertThat(ids.attribute("meter-1", "site")).isEqualTo("north");
        assertThat(ids.attribute("ops", "houses")).isNull();
        assertThat(ids.attribute("nobody", "houses")).isNull();
        assertThat(ids.ids()).containsExactlyInAnyOrder("meter-1", "ops");
    }
}
