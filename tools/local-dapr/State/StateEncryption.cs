using System.Security.Cryptography;
using System.Text;
using LocalDapr.Configuration;
using LocalDapr.Secrets;

namespace LocalDapr.State;

/// <summary>
/// Dapr's automatic state encryption (dapr/dapr <c>pkg/encryption</c>): a state store with <c>primaryEncryptionKey</c>
/// (and optionally <c>secondaryEncryptionKey</c>) in its metadata, given by <c>secretKeyRef</c> from the component's
/// <c>auth.secretStore</c>, holds every value the state API saves as AES-GCM: <c>base64(nonce ‖ ciphertext ‖ tag)</c>
/// followed by <c>||</c> and the name of the key's secret. Writes use the primary key; a read uses the key the record
/// names, primary or secondary, which is how keys are rotated. Keys are hex (16, 24 or 32 bytes: AES-128/192/256).
/// </summary>
public sealed class StateEncryption
{
    private const string Separator = "||";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly string _storeName;

    private StateEncryption(string storeName, Key primary, Key? secondary)
    {
        _storeName = storeName;
        Primary = primary;
        Secondary = secondary;
    }

    private sealed record Key(string Name, byte[] Bytes);

    private Key Primary { get; }

    private Key? Secondary { get; }

    /// <summary>The primary key's name (the secret it was read from), which every encrypted record ends with.</summary>
    public string PrimaryKeyName => Primary.Name;

    /// <summary>
    /// The encryption of <paramref name="spec"/> (already resolved: a <c>secretKeyRef</c> value is in its metadata), or
    /// null when it has no primary key, or no secret store (daprd then leaves the store unencrypted). A key that cannot
    /// be read or used is refused as daprd refuses to initialise the component.
    /// </summary>
    public static StateEncryption? Create(ComponentSpec spec, ISecretStore? secretStore)
    {
        if (secretStore is null) return null;
        Key? primary = null, secondary = null;
        foreach (var (item, value) in spec.Metadata)
        {
            // daprd matches the two names exactly, as they are written.
            if (item is not ("primaryEncryptionKey" or "secondaryEncryptionKey")) continue;
            var reference = spec.SecretRefs.GetValueOrDefault(item);
            var key = value.Length > 0 ? new Key(reference?.Name ?? "", []) : FromSecret(spec, reference, secretStore);
            if (key is null) continue;
            if (item == "primaryEncryptionKey") primary = key;
            else secondary = key;
        }
        if (primary is null) return null;
        return new StateEncryption(spec.Name, Cipher(spec, primary, spec.Metadata["primaryEncryptionKey"]), secondary is null ? null : Cipher(spec, secondary, spec.Metadata["secondaryEncryptionKey"]));
    }

    /// <summary>daprd's <c>tryGetEncryptionKeyFromMetadataItem</c>: the secret read again; no such key is no key, an empty one an error.</summary>
    private static Key? FromSecret(ComponentSpec spec, SecretKeyRef? reference, ISecretStore store)
    {
        const string prefix = "failed to extract encryption key";
        if (reference is null) throw Refused(spec, $"{prefix}: {prefix}: secretKeyRef cannot be empty");
        IReadOnlyDictionary<string, string> secret;
        try
        {
            secret = store.Get(reference.Name, new Dictionary<string, string> { ["namespace"] = "" });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Refused(spec, $"{prefix}: {prefix}: {e.Message}");
        }
        if (!secret.TryGetValue(reference.Key ?? reference.Name, out var value)) return null;
        if (value.Length == 0) throw Refused(spec, $"{prefix}: {prefix}: encryption key cannot be empty");
        return new Key(reference.Name, Encoding.UTF8.GetBytes(value));
    }

    private static Key Cipher(ComponentSpec spec, Key key, string metadataValue)
    {
        var hex = key.Bytes.Length > 0 ? Encoding.UTF8.GetString(key.Bytes) : metadataValue;
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            var bad = hex.FirstOrDefault(c => !Uri.IsHexDigit(c));
            throw Refused(spec, bad != default ? $"encoding/hex: invalid byte: U+{(int)bad:X4} '{bad}'" : "encoding/hex: odd length hex string");
        }
        if (bytes.Length is not (16 or 24 or 32)) throw Refused(spec, $"crypto/aes: invalid key size {bytes.Length}");
        return key with { Bytes = bytes };
    }

    private static ConfigurationException Refused(ComponentSpec spec, string message) =>
        new(spec.File, spec.Line, $"component '{spec.Name}' ({spec.Type}): {message}");

    /// <summary><c>TryEncryptValue</c>: the value sealed with the primary key, a fresh random nonce each time.</summary>
    public byte[] Encrypt(byte[] value)
    {
        var sealedBytes = new byte[NonceSize + value.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(Primary.Bytes, TagSize);
        aes.Encrypt(nonce, value, sealedBytes.AsSpan(NonceSize, value.Length), sealedBytes.AsSpan(NonceSize + value.Length, TagSize));
        return Encoding.UTF8.GetBytes(Convert.ToBase64String(sealedBytes) + Separator + Primary.Name);
    }

    /// <summary><c>TryDecryptValue</c>: an empty value stays empty; otherwise the key the record names opens it, or it fails with Go's words.</summary>
    public byte[] Decrypt(byte[] value)
    {
        if (value.Length == 0) return [];
        var text = Encoding.UTF8.GetString(value);
        var at = text.LastIndexOf(Separator, StringComparison.Ordinal);
        var keyName = at < 0 ? "" : text[(at + Separator.Length)..];
        if (keyName.Length == 0) throw new CryptographicException($"could not decrypt data for state store {_storeName}: encryption key name not found on record");
        // daprd would fail on a nil cipher here; the local runtime says which key is missing.
        var key = Primary.Name == keyName ? Primary : Secondary?.Name == keyName ? Secondary : null;
        if (key is null) throw new CryptographicException($"could not decrypt data for state store {_storeName}: encryption key {keyName} is neither the primary nor the secondary key");
        var encoded = text[..at];
        var sealedBytes = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, sealedBytes, out var length))
            throw new CryptographicException($"illegal base64 data at input byte {IllegalBase64At(encoded)}");
        if (length < NonceSize + TagSize) throw new CryptographicException("cipher: message authentication failed");
        var plain = new byte[length - NonceSize - TagSize];
        using var aes = new AesGcm(key.Bytes, TagSize);
        try
        {
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length, TagSize), plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new CryptographicException("cipher: message authentication failed");
        }
        return plain;
    }

    private static int IllegalBase64At(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=')) return i;
        }
        return Math.Max(0, text.Length - 1);
    }
}
