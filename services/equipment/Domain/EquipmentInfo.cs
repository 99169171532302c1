using System.Runtime.Serialization;
using Contract = Mtaeda.Contracts.Common.V1.EquipmentInfo;

namespace Mtaeda.Equipment.Domain;

/// <summary>Model information of a turnstile or camera, as shipped by its manufacturer (a value object).</summary>
[DataContract]
public sealed record EquipmentInfo
{
    /// <summary>Manufacturer's serial number of this unit.</summary>
    [DataMember(Order = 1)]
    public string SerialNumber { get; init; } = "";

    /// <summary>Product name.</summary>
    [DataMember(Order = 2)]
    public string Name { get; init; } = "";

    /// <summary>Free-text description.</summary>
    [DataMember(Order = 3)]
    public string Description { get; init; } = "";

    /// <summary>Manufacturer's model number.</summary>
    [DataMember(Order = 4)]
    public string ModelNumber { get; init; } = "";

    /// <summary>Manufacturer's name.</summary>
    [DataMember(Order = 5)]
    public string Manufacturer { get; init; } = "";

    /// <summary>The value object of a contract message.</summary>
    /// <param name="info">The contract's model information.</param>
    /// <returns>The value object.</returns>
    public static EquipmentInfo From(Contract info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new()
        {
            SerialNumber = info.SerialNumber,
            Name = info.Name,
            Description = info.Description,
            ModelNumber = info.ModelNumber,
            Manufacturer = info.Manufacturer,
        };
    }

    /// <summary>The contract message of this value.</summary>
    /// <returns>The contract's model information.</returns>
    public Contract ToContract() => new()
    {
        SerialNumber = SerialNumber,
        Name = Name,
        Description = Description,
        ModelNumber = ModelNumber,
        Manufacturer = Manufacturer,
    };

    /// <summary>The first required field that is missing (serial number, model number, manufacturer), or null.</summary>
    /// <returns>The proto field name, e.g. <c>serial_number</c>, or null when complete.</returns>
    public string? MissingField() =>
        string.IsNullOrWhiteSpace(SerialNumber) ? "serial_number"
        : string.IsNullOrWhiteSpace(ModelNumber) ? "model_number"
        : string.IsNullOrWhiteSpace(Manufacturer) ? "manufacturer"
        : null;
}
