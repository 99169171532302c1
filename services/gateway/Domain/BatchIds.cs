using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mtaeda.Gateway.Domain;

/// <summary>
/// Idempotency keys of what the gateway forwards, derived only from the device id and the device's sequence numbers:
/// the same signals always give the same key, so a batch or fault replayed from the journal is recognised by equipment
/// and counted once. Keys follow the id convention (1 to 64 characters of <c>[A-Za-z0-9._-]</c>).
/// </summary>
public static class BatchIds
{
    private const int MaxLength = 64;

    /// <summary>The batch id of passages <paramref name="first"/> to <paramref name="last"/> of a device: <c>{device}.p{first}-{last}</c>.</summary>
    /// <param name="deviceId">The device (turnstile) id.</param>
    /// <param name="first">First passage sequence.</param>
    /// <param name="last">Last passage sequence.</param>
    /// <returns>The batch id.</returns>
    public static string ForPassages(string deviceId, ulong first, ulong last) =>
        Fit(deviceId, string.Create(CultureInfo.InvariantCulture, $"p{first}-{last}"));

    /// <summary>The fault id of the fault signal <paramref name="sequence"/> of a device: <c>{device}.f{sequence}</c>.</summary>
    /// <param name="deviceId">The device (turnstile) id.</param>
    /// <param name="sequence">The fault's sequence.</param>
    /// <returns>The fault id.</returns>
    public static string ForFault(string deviceId, ulong sequence) =>
        Fit(deviceId, string.Create(CultureInfo.InvariantCulture, $"f{sequence}"));

    // A device id near the 64-character limit leaves no room for the suffix: it is then shortened, with a hash of the
    // full id keeping keys of different devices apart (they are scoped per turnstile anyway).
    private static string Fit(string deviceId, string suffix)
    {
        var key = $"{deviceId}.{suffix}";
        if (key.Length <= MaxLength) return key;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(deviceId)))[..12];
        var room = MaxLength - suffix.Length - hash.Length - 2;
        return $"{deviceId[..Math.Max(0, room)]}-{hash}.{suffix}";
    }
}
