using System.Runtime.Serialization;
using Mtaeda.Contracts.Common.V1;

namespace Mtaeda.Stations.Domain;

/// <summary>A station's postal address (value object).</summary>
/// <param name="StreetAddress">Street and number. Required.</param>
/// <param name="City">City. Required.</param>
/// <param name="StateOrProvince">State, province or region; may be empty.</param>
/// <param name="PostalCode">Postal or ZIP code; may be empty.</param>
[DataContract]
public sealed record PostalAddress([property: DataMember(Order = 1)] string StreetAddress, [property: DataMember(Order = 2)] string City,
    [property: DataMember(Order = 3)] string StateOrProvince, [property: DataMember(Order = 4)] string PostalCode)
{
    /// <summary>The address of a contract message, trimmed; null when the message is absent.</summary>
    /// <param name="address">The contract's address.</param>
    /// <returns>The value object.</returns>
    public static PostalAddress? From(StationAddress? address) => address is null
        ? null
        : new PostalAddress(address.StreetAddress.Trim(), address.City.Trim(), address.StateOrProvince.Trim(), address.PostalCode.Trim());

    /// <summary>The contract's form, as events and answers carry it.</summary>
    /// <returns>The message.</returns>
    public StationAddress ToContract() => new()
    {
        StreetAddress = StreetAddress,
        City = City,
        StateOrProvince = StateOrProvince,
        PostalCode = PostalCode,
    };
}
