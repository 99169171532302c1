using Mtaeda.Contracts;
namespace Mtaeda.Stations.Domain;

/// <summary>
/// What a well-formed station command looks like. Every check throws <see cref="DomainRefusalException"/> with
/// <see cref="RefusalKind.InvalidArgument"/> naming the field as the contract spells it.
/// </summary>
public static class StationRules
{
    /// <summary>The longest station name.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The longest street address or city.</summary>
    public const int MaxAddressLineLength = 200;

    /// <summary>The longest postal code.</summary>
    public const int MaxPostalCodeLength = 32;

    /// <summary>The longest reason given with a close or offline command.</summary>
    public const int MaxReasonLength = 500;

    /// <summary>The most lines one station can serve.</summary>
    public const int MaxLines = 64;

    /// <summary>Checks an id field.</summary>
    /// <param name="id">The id.</param>
    /// <param name="field">The field name.</param>
    /// <returns>The id.</returns>
    public static string Id(string? id, string field = "station_id") => Ids.Require(id, field);

    /// <summary>Checks and trims a station name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The trimmed name.</returns>
    public static string Name(string? name)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length == 0) throw DomainRefusalException.Invalid("name", "is required");
        if (trimmed.Length > MaxNameLength) throw DomainRefusalException.Invalid("name", $"must be at most {MaxNameLength} characters");
        return trimmed;
    }

    /// <summary>Checks an address: street and city required, every part within its length.</summary>
    /// <param name="address">The address (already trimmed by <see cref="PostalAddress.From"/>).</param>
    /// <param name="field">The field name of the address.</param>
    /// <returns>The address.</returns>
    public static PostalAddress Address(PostalAddress? address, string field = "address")
    {
        if (address is null) throw DomainRefusalException.Invalid(field, "is required");
        Line(address.StreetAddress, $"{field}.street_address", MaxAddressLineLength, required: true);
        Line(address.City, $"{field}.city", MaxAddressLineLength, required: true);
        Line(address.StateOrProvince, $"{field}.state_or_province", MaxAddressLineLength, required: false);
        Line(address.PostalCode, $"{field}.postal_code", MaxPostalCodeLength, required: false);
        return address;
    }

    /// <summary>Checks the lines of a station: at least one, each a valid id; returns them without repeats, sorted.</summary>
    /// <param name="lineIds">The lines.</param>
    /// <returns>The normalized lines.</returns>
    public static IReadOnlyList<string> LineIds(IEnumerable<string>? lineIds)
    {
        var lines = lineIds?.ToList() ?? [];
        if (lines.Count == 0) throw DomainRefusalException.Invalid("line_ids", "at least one line is required");
        if (lines.Count > MaxLines) throw DomainRefusalException.Invalid("line_ids", $"at most {MaxLines} lines");
        for (var i = 0; i < lines.Count; i++)
        {
            if (!Ids.IsValid(lines[i])) throw DomainRefusalException.Invalid($"line_ids[{i}]", Ids.Rule);
        }

        return [.. lines.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>Checks an optional reason and trims it.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The trimmed reason (empty when none).</returns>
    public static string Reason(string? reason)
    {
        var trimmed = reason?.Trim() ?? string.Empty;
        if (trimmed.Length > MaxReasonLength) throw DomainRefusalException.Invalid("reason", $"must be at most {MaxReasonLength} characters");
        return trimmed;
    }

    private static void Line(string value, string field, int max, bool required)
    {
        if (required && value.Length == 0) throw DomainRefusalException.Invalid(field, "is required");
        if (value.Length > max) throw DomainRefusalException.Invalid(field, $"must be at most {max} characters");
    }
}
