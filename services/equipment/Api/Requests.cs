using Mtaeda.Contracts;
using Mtaeda.Equipment.Domain;
using ContractEquipmentInfo = Mtaeda.Contracts.Common.V1.EquipmentInfo;

namespace Mtaeda.Equipment.Api;

/// <summary>Field checks of the gRPC requests: each failure is an <c>InvalidArgument</c> naming the field.</summary>
internal static class Requests
{
    /// <summary>Longest free text (reasons, model names and descriptions).</summary>
    public const int MaxTextLength = 500;

    /// <summary>Optional free text of at most <see cref="MaxTextLength"/> characters.</summary>
    public static string Text(string? value, string field, int maxLength = MaxTextLength)
    {
        value ??= "";
        if (value.Length > maxLength) throw Errors.InvalidArgument(field, $"must be at most {maxLength} characters");
        return value;
    }

    /// <summary>Required model information (serial_number, model_number and manufacturer).</summary>
    public static EquipmentInfo Model(ContractEquipmentInfo? model, string field = "model")
    {
        if (model is null) throw Errors.InvalidArgument(field, "is required");
        var info = EquipmentInfo.From(model);
        if (info.MissingField() is { } missing) throw Errors.InvalidArgument($"{field}.{missing}", "is required");
        Text(info.SerialNumber, $"{field}.serial_number");
        Text(info.Name, $"{field}.name");
        Text(info.Description, $"{field}.description");
        Text(info.ModelNumber, $"{field}.model_number");
        Text(info.Manufacturer, $"{field}.manufacturer");
        return info;
    }

    /// <summary>A required kind (of a fault): set, and one of the values the contract declares.</summary>
    /// <param name="kind">The kind given.</param>
    /// <param name="values">The values it may have, for the message.</param>
    public static TKind Kind<TKind>(TKind kind, string values)
        where TKind : struct, System.Enum
    {
        if (EqualityComparer<TKind>.Default.Equals(kind, default)) throw Errors.InvalidArgument("kind", "is required");
        if (!System.Enum.IsDefined(kind)) throw Errors.InvalidArgument("kind", $"must be {values}");
        return kind;
    }
}
